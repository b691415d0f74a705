-- 问题：每年有哪些新增项目和停止（不再申报）的项目？
-- Question: Which projects are new in a year, and which were discontinued (reported the year before, not this year)?
-- Columns: fiscal_year, change, change_cn, project_id, project_name, years_reported
-- Only years whose previous year is loaded are compared; change = new (新增) or discontinued (停止); years_reported lists the project's years.
WITH py AS (
    SELECT DISTINCT project_id, project_name, fiscal_year FROM v_project_year_over_year
),
years AS (
    SELECT DISTINCT fiscal_year FROM py
),
reported AS (
    SELECT project_id, string_agg(CAST(fiscal_year AS VARCHAR), ',' ORDER BY fiscal_year)
               AS years_reported
    FROM py
    GROUP BY project_id
),
changes AS (
    SELECT p.fiscal_year, 'new' AS change, '新增' AS change_cn, p.project_id, p.project_name
    FROM py AS p
    WHERE p.fiscal_year - 1 IN (SELECT fiscal_year FROM years)
      AND NOT EXISTS (SELECT 1 FROM py AS q
                      WHERE q.project_id = p.project_id AND q.fiscal_year = p.fiscal_year - 1)
    UNION ALL
    SELECT p.fiscal_year + 1, 'discontinued', '停止', p.project_id, p.project_name
    FROM py AS p
    WHERE p.fiscal_year + 1 IN (SELECT fiscal_year FROM years)
      AND NOT EXISTS (SELECT 1 FROM py AS q
                      WHERE q.project_id = p.project_id AND q.fiscal_year = p.fiscal_year + 1)
)
SELECT c.fiscal_year, c.change, c.change_cn, c.project_id, c.project_name, r.years_reported
FROM changes AS c
JOIN reported AS r ON r.project_id = c.project_id
ORDER BY c.fiscal_year, c.change DESC, c.project_name
