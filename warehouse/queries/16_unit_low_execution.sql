-- 问题：各单位哪些项目的预算执行率低于 90%，说明原因了吗？
-- Question: Per unit, which projects executed less than 90 % of their full-year budget, and did they say why?
-- Columns: department, implementing_unit, fiscal_year, project_id, project_name, budget_full_year, executed, execution_rate, unexecuted, has_reason, reason_text, file_name, page
-- Rates recomputed (全年执行数 / 全年预算数 × 100, %), money in 万元 (v_low_execution); the lowest rate first.
SELECT
    department,
    implementing_unit,
    fiscal_year,
    project_id,
    project_name,
    budget_full_year,
    executed,
    execution_rate,
    unexecuted,
    has_reason,
    reason_text,
    file_name,
    page
FROM v_low_execution
ORDER BY department, implementing_unit, fiscal_year DESC, execution_rate, project_name
