-- 自评可信度标记 Self-evaluation credibility flags (自评虚高), with the report's 主管部门 and 实施单位: what a finance bureau checks when it reviews a self-evaluation.
-- Answers: 哪些项目的自评结果值得复核，为什么？ Which self-evaluations look inflated or careless, and on what evidence?
-- Grain: one project × fiscal year × flag (facts of loaded documents only); items = rows behind the flag, detail lists them;
-- penalty = what the flag takes off the report's 可信度 (weights: v_credibility_weights).
-- Flags: all_full_marks, actual_equals_threshold, reason_on_full_marks, reason_missing_below_full, low_execution_no_reason,
-- actual_far_above_target (≥ 130 % of target), trivial_target (≥0), target_lowered (from the previous year), budget_cut_over_20pct,
-- score_above_recomputed (printed total above the rules' total by more than 0.01).
WITH r AS (
    SELECT
        x.*,
        (nullif(trim(x.deviation_reason), '') IS NOT NULL
         AND trim(x.deviation_reason) NOT IN ('无', '/', '-', '—', '——', '无偏差', '不适用'))
            AS has_reason,
        (x.weight IS NOT NULL AND x.score IS NOT NULL AND x.score >= x.weight) AS full_marks,
        (x.actual_unit_norm IS NULL OR x.actual_unit_norm IS NOT DISTINCT FROM x.target_unit_norm)
            AS same_unit
    FROM fact_indicator_result AS x
    JOIN source_document AS s ON s.document_id = x.document_id AND s.status = 'loaded'
),
items AS (
    SELECT project_id, fiscal_year, 'all_full_marks' AS flag_code, 0 AS position,
           count(*) || ' 项指标全部满分' AS detail
    FROM r
    GROUP BY project_id, fiscal_year
    HAVING count(*) > 0 AND bool_and(full_marks)

    UNION ALL
    SELECT project_id, fiscal_year, 'actual_equals_threshold', position,
           reported_name || '：实际 ' || actual_text || '，目标 ' || target_text
    FROM r
    WHERE target_kind = 'numeric' AND target_operator = '>=' AND actual_value = target_low
      AND target_low <> 0 AND same_unit  -- a ≥0 target is trivial_target's

    UNION ALL
    SELECT project_id, fiscal_year, 'reason_on_full_marks', position,
           reported_name || '：' || trim(deviation_reason)
    FROM r
    WHERE full_marks AND has_reason

    UNION ALL
    SELECT project_id, fiscal_year, 'reason_missing_below_full', position,
           reported_name || '：得分 ' || CAST(score AS VARCHAR) || ' / 分值 ' || CAST(weight AS VARCHAR)
    FROM r
    WHERE score < weight AND NOT has_reason

    UNION ALL
    SELECT project_id, fiscal_year, 'low_execution_no_reason', 0,
           '执行率 ' || CAST(execution_rate AS VARCHAR) || '%（全年执行数 ' || CAST(executed AS VARCHAR)
           || ' / 全年预算数 ' || CAST(budget_full_year AS VARCHAR) || ' 万元）'
    FROM v_low_execution
    WHERE NOT has_reason

    UNION ALL
    SELECT project_id, fiscal_year, 'actual_far_above_target', position,
           reported_name || '：实际 ' || actual_text || '，目标 ' || target_text || '（'
           || CAST(round(actual_value / target_low * 100, 0) AS INTEGER) || '%）'
    FROM r
    WHERE target_kind = 'numeric' AND target_operator IN ('=', '>=', '>')
      AND scoring_formula <> 'zero_target' AND target_low > 0 AND same_unit
      AND actual_value >= target_low * 1.3

    UNION ALL
    SELECT project_id, fiscal_year, 'trivial_target', position,
           reported_name || '：目标 ' || target_text || '，实际 ' || coalesce(actual_text, '')
    FROM r
    WHERE target_kind = 'numeric' AND target_operator = '>=' AND target_low = 0

    UNION ALL
    SELECT project_id, fiscal_year, 'target_lowered', position,
           indicator_name || '：' || coalesce(prev_target_text, '') || '（' || prev_fiscal_year
           || '）→ ' || coalesce(target_text, '') || '（' || fiscal_year || '）'
    FROM v_indicator_target_changes
    WHERE lowered

    UNION ALL
    SELECT f.project_id, f.fiscal_year, 'budget_cut_over_20pct', 0,
           '年初预算数 ' || CAST(f.budget_initial AS VARCHAR) || ' 万元 → 全年预算数 '
           || CAST(f.budget_full_year AS VARCHAR) || ' 万元（'
           || CAST(CAST(round((f.budget_full_year - f.budget_initial) / f.budget_initial * 100, 2)
                     AS DECIMAL(9, 2)) AS VARCHAR)
           || '%）'
    FROM fact_project_funding AS f
    JOIN source_document AS s ON s.document_id = f.document_id AND s.status = 'loaded'
    WHERE f.funding_source = 'total' AND f.budget_initial > 0
      AND f.budget_full_year < f.budget_initial * 0.8

    UNION ALL
    SELECT e.project_id, e.fiscal_year, 'score_above_recomputed', 0,
           '自评总分 ' || CAST(e.total_score AS VARCHAR) || ' 分，按评分规则复核 '
           || CAST(e.recomputed_score AS VARCHAR) || ' 分（高 '
           || CAST(e.total_score - e.recomputed_score AS VARCHAR) || ' 分）'
    FROM fact_project_evaluation AS e
    JOIN source_document AS s ON s.document_id = e.document_id AND s.status = 'loaded'
    WHERE e.total_score - e.recomputed_score > 0.01
),
grouped AS (
    SELECT
        project_id,
        fiscal_year,
        flag_code,
        count(*) AS items,
        string_agg(detail, '；' ORDER BY position, detail) AS detail
    FROM items
    GROUP BY project_id, fiscal_year, flag_code
)
SELECT
    u.department,
    u.implementing_unit,
    g.project_id,
    p.project_name,
    g.fiscal_year,
    g.flag_code,
    w.flag_description,
    g.items,
    g.detail,
    least(w.first_penalty + w.per_extra_item * (g.items - 1), w.max_penalty) AS penalty,
    e.grade,
    e.total_score,
    u.file_name,
    u.page,
    e.document_id
FROM grouped AS g
JOIN v_credibility_weights AS w ON w.flag_code = g.flag_code
JOIN dim_project AS p ON p.project_id = g.project_id
LEFT JOIN v_report_unit AS u ON u.project_id = g.project_id AND u.fiscal_year = g.fiscal_year
LEFT JOIN fact_project_evaluation AS e
    ON e.project_id = g.project_id AND e.fiscal_year = g.fiscal_year
