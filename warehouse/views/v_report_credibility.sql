-- 自评可信度排序 Every loaded self-evaluation with its 可信度 (credibility, 0–100 分) computed from its flags, in review order, with the reasons in Chinese.
-- Answers: 哪些自评表最值得优先复核，为什么？ Which self-evaluations should a bureau review first, and why?
-- Grain: one project × fiscal year (every loaded report; one without a flag has 可信度 100). credibility = 100 − Σ penalty of its flags
-- (v_self_evaluation_flags, weights in v_credibility_weights), at least 0. review_rank orders all reports: lowest credibility first,
-- then the higher self-assessed total (an inflated high score matters most), more flags, the later year; unit_rank the same within
-- one 主管部门 / 实施单位. reasons lists each flag with its penalty and evidence, the costliest first.
WITH f AS (
    SELECT
        project_id,
        fiscal_year,
        count(*) AS flags,
        sum(penalty) AS penalty,
        string_agg(flag_description || '（扣 ' || CAST(penalty AS VARCHAR) || ' 分）：' || detail, '；'
                   ORDER BY penalty DESC, flag_code) AS reasons,
        string_agg(flag_code, ', ' ORDER BY penalty DESC, flag_code) AS flag_codes
    FROM v_self_evaluation_flags
    GROUP BY project_id, fiscal_year
),
scored AS (
    SELECT
        u.department,
        u.implementing_unit,
        u.project_id,
        u.project_name,
        u.fiscal_year,
        e.total_score,
        e.grade,
        CAST(greatest(100 - coalesce(f.penalty, 0), 0) AS DECIMAL(9, 2)) AS credibility,
        coalesce(f.flags, 0) AS flags,
        CAST(coalesce(f.penalty, 0) AS DECIMAL(9, 2)) AS penalty,
        coalesce(f.reasons, '无可信度标记') AS reasons,
        f.flag_codes,
        u.file_name,
        u.page,
        u.document_id
    FROM v_report_unit AS u
    JOIN fact_project_evaluation AS e
        ON e.project_id = u.project_id AND e.fiscal_year = u.fiscal_year
    LEFT JOIN f ON f.project_id = u.project_id AND f.fiscal_year = u.fiscal_year
)
SELECT
    row_number() OVER (
        ORDER BY credibility, total_score DESC NULLS LAST, flags DESC, fiscal_year DESC,
                 department, implementing_unit, project_name, project_id
    ) AS review_rank,
    row_number() OVER (
        PARTITION BY department, implementing_unit
        ORDER BY credibility, total_score DESC NULLS LAST, flags DESC, fiscal_year DESC,
                 project_name, project_id
    ) AS unit_rank,
    *
FROM scored
