-- 问题：各单位哪些绩效指标连续多年从未达成？
-- Question: Per unit, which indicators were never met in any year they could be judged (at least two years)?
-- Columns: department, implementing_unit, project_id, project_name, indicator_name, years_missed, years, history, points_lost, last_deviation_reason
-- Same indicator (indicator_id, stable across years), achieved = false in ≥ 2 years and never true (v_indicators_never_met).
SELECT
    department,
    implementing_unit,
    project_id,
    project_name,
    indicator_name,
    years_missed,
    years,
    history,
    points_lost,
    last_deviation_reason
FROM v_indicators_never_met
ORDER BY department, implementing_unit, years_missed DESC, project_name, indicator_name
