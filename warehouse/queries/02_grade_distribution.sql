-- 问题：每年各评分等级（优、良、中、差）的项目各有多少？
-- Question: How many projects received each grade (优 / 良 / 中 / 差) in each year?
-- Columns: fiscal_year, grade, projects, share_pct
-- Grades as printed (评分等级); share_pct = share of that year's projects (%).
SELECT
    fiscal_year,
    grade,
    count(*) AS projects,
    CAST(round(count(*) * 100.0 / sum(count(*)) OVER (PARTITION BY fiscal_year), 2)
         AS DECIMAL(9, 2)) AS share_pct
FROM v_project_year_over_year
GROUP BY fiscal_year, grade
ORDER BY fiscal_year,
         CASE grade WHEN '优' THEN 1 WHEN '良' THEN 2 WHEN '中' THEN 3 WHEN '差' THEN 4 ELSE 5 END
