-- 问题：哪些项目的所有绩效指标都是满分？
-- Question: Which projects scored full marks on every performance indicator?
-- Columns: fiscal_year, project_id, project_name, indicators, total_score, grade
-- Full marks: 得分 ≥ 分值 on every indicator row of the year's report (the execution-rate score is not an indicator).
SELECT
    r.fiscal_year,
    r.project_id,
    p.project_name,
    count(*) AS indicators,
    e.total_score,
    e.grade
FROM fact_indicator_result AS r
JOIN source_document AS s ON s.document_id = r.document_id AND s.status = 'loaded'
JOIN dim_project AS p ON p.project_id = r.project_id
JOIN fact_project_evaluation AS e ON e.project_id = r.project_id AND e.fiscal_year = r.fiscal_year
GROUP BY r.fiscal_year, r.project_id, p.project_name, e.total_score, e.grade
HAVING bool_and(r.weight IS NOT NULL AND r.score IS NOT NULL AND r.score >= r.weight)
ORDER BY r.fiscal_year, p.project_name
