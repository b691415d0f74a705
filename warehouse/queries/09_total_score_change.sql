-- 问题：各项目的自评总分比上年变化了多少？等级有没有变化？
-- Question: How did each project's total score change from the previous year, and did its grade change?
-- Columns: fiscal_year, project_id, project_name, prev_total_score, total_score, total_score_change, prev_grade, grade, grade_changed
-- Projects with a report in fiscal_year - 1 only; the largest drops first.
SELECT
    fiscal_year,
    project_id,
    project_name,
    prev_total_score,
    total_score,
    total_score_change,
    prev_grade,
    grade,
    grade_changed
FROM v_project_year_over_year
WHERE NOT is_first_year
ORDER BY total_score_change, fiscal_year, project_name
