-- 未达成指标 Indicators whose target was not met (achieved = false), with weight, score, shortfall and the deviation reason.
-- Answers: 哪些绩效指标未完成，扣了多少分，写了什么偏差原因？ Which indicators missed their target, what did it cost, and why?
-- Grain: one project × fiscal year × indicator (facts of loaded documents only).
SELECT
    u.department,
    u.implementing_unit,
    r.project_id,
    p.project_name,
    r.fiscal_year,
    r.indicator_id,
    r.reported_level1 AS level1,
    r.reported_level2 AS level2,
    r.reported_name AS indicator_name,
    r.target_text,
    r.target_operator,
    r.target_low,
    r.target_high,
    r.target_unit,
    r.actual_text,
    r.actual_value,
    r.actual_unit,
    CASE WHEN r.target_low > 0 AND r.actual_value IS NOT NULL
              AND r.target_operator IN ('=', '>=', '>')
         THEN CAST(round(r.actual_value / r.target_low * 100, 2) AS DECIMAL(9, 2))
    END AS completion_pct,
    r.weight,
    r.score,
    r.expected_score,
    r.weight - r.score AS points_lost,
    r.deviation_reason,
    (nullif(trim(r.deviation_reason), '') IS NOT NULL) AS has_reason,
    r.document_id,
    s.file_name,
    r.page
FROM fact_indicator_result AS r
JOIN source_document AS s ON s.document_id = r.document_id AND s.status = 'loaded'
JOIN dim_project AS p ON p.project_id = r.project_id
LEFT JOIN v_report_unit AS u ON u.project_id = r.project_id AND u.fiscal_year = r.fiscal_year
WHERE r.achieved = false
