-- 问题：哪些绩效指标连续两年未完成？
-- Question: Which indicators missed their target two years running?
-- Columns: project_id, project_name, indicator_id, indicator_name, first_year, first_target, first_actual, second_year, second_target, second_actual, second_deviation_reason
-- Same indicator (indicator_id, stable across years) with achieved = false in fiscal_year - 1 and fiscal_year.
SELECT
    c.project_id,
    c.project_name,
    c.indicator_id,
    c.indicator_name,
    p.fiscal_year AS first_year,
    p.target_text AS first_target,
    p.actual_text AS first_actual,
    c.fiscal_year AS second_year,
    c.target_text AS second_target,
    c.actual_text AS second_actual,
    c.deviation_reason AS second_deviation_reason
FROM v_unmet_indicators AS c
JOIN v_unmet_indicators AS p
    ON p.indicator_id = c.indicator_id AND p.fiscal_year = c.fiscal_year - 1
ORDER BY c.project_name, c.indicator_name, c.fiscal_year
