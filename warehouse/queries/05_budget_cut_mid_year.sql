-- 问题：哪些项目年中调减预算超过 20%（全年预算数比年初预算数少 20% 以上）？
-- Question: Which projects had their budget cut mid-year by more than 20 % (full-year budget below 80 % of the initial budget)?
-- Columns: fiscal_year, project_id, project_name, budget_initial, budget_full_year, cut, cut_pct, executed, execution_rate
-- Money in 万元 (年度资金总额 row); cut_pct = (全年预算数 − 年初预算数) / 年初预算数 × 100, negative for a cut.
SELECT
    fiscal_year,
    project_id,
    project_name,
    budget_initial,
    budget_full_year,
    budget_initial - budget_full_year AS cut,
    CAST(round((budget_full_year - budget_initial) / budget_initial * 100, 2) AS DECIMAL(9, 2))
        AS cut_pct,
    executed,
    execution_rate
FROM v_project_year_over_year
WHERE budget_initial > 0 AND budget_full_year < budget_initial * 0.8
ORDER BY fiscal_year, cut_pct, project_name
