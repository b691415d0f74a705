-- 问题：各单位哪些项目的自评总分比上年下降，或评分等级有变化？
-- Question: Per unit (主管部门 / 实施单位), which projects' total score fell from the previous year, or whose grade changed?
-- Columns: department, implementing_unit, fiscal_year, project_id, project_name, prev_total_score, total_score, total_score_change, prev_grade, grade, grade_changed
-- Projects with a report in fiscal_year - 1 only (v_project_year_over_year); per unit and year, the largest drop first.
SELECT
    department,
    implementing_unit,
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
WHERE NOT is_first_year AND (total_score_change < 0 OR grade_changed)
ORDER BY department, implementing_unit, fiscal_year DESC, total_score_change, project_name
