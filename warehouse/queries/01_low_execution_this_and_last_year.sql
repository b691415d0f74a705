-- 问题：哪些项目今年或去年的预算执行率低于 90%？两年都低于 90% 的是哪些？
-- Question: Which projects executed less than 90 % of their full-year budget this year or last year, and which did so in both years?
-- Columns: project_id, project_name, last_year, rate_last_year, this_year, rate_this_year, under_90_both_years
-- "This year" is the latest fiscal year loaded; rates are 全年执行数 / 全年预算数 × 100 (%); a null rate: no report that year.
WITH bounds AS (
    SELECT max(fiscal_year) AS this_year FROM v_project_year_over_year
),
r AS (
    SELECT v.project_id, v.project_name, v.fiscal_year, v.execution_rate, b.this_year
    FROM v_project_year_over_year AS v
    CROSS JOIN bounds AS b
    WHERE v.fiscal_year IN (b.this_year, b.this_year - 1)
)
SELECT
    project_id,
    any_value(project_name) AS project_name,
    any_value(this_year) - 1 AS last_year,
    max(execution_rate) FILTER (WHERE fiscal_year = this_year - 1) AS rate_last_year,
    any_value(this_year) AS this_year,
    max(execution_rate) FILTER (WHERE fiscal_year = this_year) AS rate_this_year,
    coalesce(max(execution_rate) FILTER (WHERE fiscal_year = this_year - 1) < 90
             AND max(execution_rate) FILTER (WHERE fiscal_year = this_year) < 90, false)
        AS under_90_both_years
FROM r
GROUP BY project_id
HAVING min(execution_rate) < 90
ORDER BY under_90_both_years DESC, rate_this_year NULLS LAST, project_name
