-- 多年未达成指标 Indicators never met across years: the same indicator (indicator_id) missed its target in every year it could be judged, at least two years.
-- Answers: 哪些绩效指标连续多年都没有完成（从未达成）？ Which indicators of a unit's projects were never met, year after year?
-- Grain: one indicator (facts of loaded documents only) with achieved = false in ≥ 2 fiscal years and never true; a year whose
-- result cannot be compared with its target (achieved null) neither counts nor breaks the run. Unit and names as in the latest such year.
WITH r AS (
    SELECT x.*
    FROM fact_indicator_result AS x
    JOIN source_document AS s ON s.document_id = x.document_id AND s.status = 'loaded'
),
never AS (
    SELECT
        indicator_id,
        count(*) FILTER (WHERE achieved = false) AS years_missed,
        count(*) AS years_reported,
        min(fiscal_year) FILTER (WHERE achieved = false) AS first_year,
        max(fiscal_year) FILTER (WHERE achieved = false) AS last_year,
        string_agg(CAST(fiscal_year AS VARCHAR), ',' ORDER BY fiscal_year)
            FILTER (WHERE achieved = false) AS years,
        string_agg(fiscal_year || '：目标 ' || coalesce(target_text, '') || '，实际 '
                   || coalesce(actual_text, ''), '；' ORDER BY fiscal_year)
            FILTER (WHERE achieved = false) AS history,
        sum(weight - score) FILTER (WHERE achieved = false) AS points_lost
    FROM r
    GROUP BY indicator_id
    HAVING count(*) FILTER (WHERE achieved = false) >= 2
       AND NOT coalesce(bool_or(achieved), false)
)
SELECT
    u.department,
    u.implementing_unit,
    x.project_id,
    u.project_name,
    x.indicator_id,
    x.reported_level1 AS level1,
    x.reported_level2 AS level2,
    x.reported_name AS indicator_name,
    n.years_missed,
    n.years_reported,
    n.first_year,
    n.last_year,
    n.years,
    n.history,
    n.points_lost,
    x.deviation_reason AS last_deviation_reason,
    u.file_name,
    x.page,
    x.document_id
FROM never AS n
JOIN r AS x ON x.indicator_id = n.indicator_id AND x.fiscal_year = n.last_year
LEFT JOIN v_report_unit AS u ON u.project_id = x.project_id AND u.fiscal_year = x.fiscal_year
