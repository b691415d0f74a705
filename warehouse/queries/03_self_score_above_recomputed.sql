-- 问题：哪些项目的自评总分高于按评分规则复核的总分（自评虚高）？
-- Question: Which projects printed a self-assessed total score above the total recomputed by the scoring rules?
-- Columns: fiscal_year, project_id, project_name, total_score, recomputed_score, difference, grade, recomputed_grade, dq_status, document_id
-- Differences up to 0.01 (rounding of the printed numbers) are not counted; recomputed_grade is the grade band of recomputed_score.
SELECT
    fiscal_year,
    project_id,
    project_name,
    total_score,
    recomputed_score,
    total_score - recomputed_score AS difference,
    grade,
    CASE WHEN recomputed_score >= 90 THEN '优'
         WHEN recomputed_score >= 80 THEN '良'
         WHEN recomputed_score >= 60 THEN '中'
         ELSE '差' END AS recomputed_grade,
    dq_status,
    document_id
FROM v_project_year_over_year
WHERE total_score - recomputed_score > 0.01
ORDER BY difference DESC, fiscal_year, project_name
