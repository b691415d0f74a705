-- 问题：哪些指标的年度指标值比上年调低了？调低后是否完成？
-- Question: Which indicators got a lower (easier) target than the year before, and were they met afterwards?
-- Columns: fiscal_year, project_id, project_name, indicator_name, prev_target_text, target_text, prev_actual_text, actual_text, achieved
-- Lowered: a lower floor (=, ≥, >) or a higher ceiling (≤, <) for the same indicator, same unit (see v_indicator_target_changes).
SELECT
    fiscal_year,
    project_id,
    project_name,
    indicator_name,
    prev_target_text,
    target_text,
    prev_actual_text,
    actual_text,
    achieved
FROM v_indicator_target_changes
WHERE lowered
ORDER BY fiscal_year, project_name, indicator_name
