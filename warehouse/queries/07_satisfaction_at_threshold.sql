-- 问题：哪些满意度指标的实际完成值恰好等于目标门槛（如 85% 对 ≥85%）？
-- Question: Which satisfaction indicators report an actual exactly at their ≥ threshold (85 % against ≥ 85 %)?
-- Columns: fiscal_year, project_id, project_name, indicator_name, target_text, actual_text, weight, score
-- Satisfaction: 一级指标 containing 满意度; exact: actual value = the target's lower bound, operator ≥, same unit.
SELECT
    r.fiscal_year,
    r.project_id,
    p.project_name,
    r.reported_name AS indicator_name,
    r.target_text,
    r.actual_text,
    r.weight,
    r.score
FROM fact_indicator_result AS r
JOIN source_document AS s ON s.document_id = r.document_id AND s.status = 'loaded'
JOIN dim_project AS p ON p.project_id = r.project_id
WHERE r.reported_level1 LIKE '%满意度%'
  AND r.target_kind = 'numeric' AND r.target_operator = '>='
  AND r.actual_value = r.target_low
  AND (r.actual_unit_norm IS NULL OR r.actual_unit_norm IS NOT DISTINCT FROM r.target_unit_norm)
ORDER BY r.fiscal_year, p.project_name, r.position
