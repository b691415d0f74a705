-- 问题：各单位每年的项目预算、执行数是多少万元（每笔资金只计一次）？
-- Question: Per unit and year, how much budget (万元, each amount counted once) did its projects have, and how much was executed?
-- Columns: department, implementing_unit, fiscal_year, projects, budget_initial, budget_full_year, executed, execution_rate, appropriation_full_year, carryover_full_year, other_full_year
-- Sums of the 年度资金总额 rows only (funding_source = 'total'); the three sources split the full-year budget, they are not added to it.
SELECT
    department,
    implementing_unit,
    fiscal_year,
    projects,
    budget_initial,
    budget_full_year,
    executed,
    execution_rate,
    appropriation_full_year,
    carryover_full_year,
    other_full_year
FROM v_unit_year_summary
WHERE projects > 0
ORDER BY department, implementing_unit, fiscal_year
