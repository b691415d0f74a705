-- 预算执行率低于 90% Projects whose budget execution rate (全年执行数 / 全年预算数) is below 90 %, and whether the report explains it.
-- Answers: 哪些项目预算执行率不足 90%，是否说明了原因？ Which projects executed less than 90 % of their full-year budget, and did they give a reason?
-- Grain: one project × fiscal year (funding total row of loaded documents). The form has no reason cell for the funding block,
-- so reason_text collects the 偏差原因分析 texts written anywhere in that year's report; has_reason = such a text exists
-- (placeholders 无, /, -, 无偏差, 不适用 do not count).
WITH reasons AS (
    SELECT project_id, fiscal_year,
           string_agg(trim(deviation_reason), '；' ORDER BY position) AS reason_text
    FROM fact_indicator_result
    WHERE nullif(trim(deviation_reason), '') IS NOT NULL
      AND trim(deviation_reason) NOT IN ('无', '/', '-', '—', '——', '无偏差', '不适用')
    GROUP BY project_id, fiscal_year
)
SELECT
    u.department,
    u.implementing_unit,
    f.project_id,
    p.project_name,
    f.fiscal_year,
    f.budget_initial,
    f.budget_full_year,
    f.executed,
    COALESCE(f.computed_execution_rate, f.execution_rate) AS execution_rate,
    f.execution_rate AS execution_rate_printed,
    f.budget_full_year - f.executed AS unexecuted,
    f.weight,
    f.score,
    f.expected_score,
    (x.reason_text IS NOT NULL) AS has_reason,
    x.reason_text,
    f.document_id,
    s.file_name,
    f.page
FROM fact_project_funding AS f
JOIN source_document AS s ON s.document_id = f.document_id AND s.status = 'loaded'
JOIN dim_project AS p ON p.project_id = f.project_id
LEFT JOIN v_report_unit AS u ON u.project_id = f.project_id AND u.fiscal_year = f.fiscal_year
LEFT JOIN reasons AS x ON x.project_id = f.project_id AND x.fiscal_year = f.fiscal_year
WHERE f.funding_source = 'total'
  AND COALESCE(f.computed_execution_rate, f.execution_rate) < 90
