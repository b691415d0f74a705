-- 指标目标值变化 Targets of the same indicator (same indicator_id) that changed from the previous year (fiscal_year - 1).
-- Answers: 哪些指标的年度指标值比上年调低了（或调高了）？ Which indicators got an easier (lowered) or harder (raised) target than last year?
-- Grain: one indicator × fiscal year whose target differs from the year before (facts of loaded documents only).
-- lowered = the target became easier to meet: a lower floor (=, >=, >) or a higher ceiling (<=, <, and =0 targets);
-- change: lowered / raised / operator_changed / direction_changed / unit_changed / kind_changed / range_changed / text_changed.
-- Numbers are compared only in the same printed unit; white-space-only edits of the text are no change.
WITH r AS (
    SELECT
        x.*,
        p.project_name,
        CASE WHEN x.target_kind = 'numeric' THEN
            CASE WHEN x.target_operator IN ('<=', '<') OR x.scoring_formula = 'zero_target'
                 THEN 'lower_is_better'
                 WHEN x.target_operator IN ('=', '>=', '>') THEN 'higher_is_better'
            END
        END AS direction,
        CASE WHEN x.target_operator IN ('<=', '<') OR x.scoring_formula = 'zero_target'
             THEN x.target_high ELSE x.target_low
        END AS bound,
        regexp_replace(coalesce(x.target_text, ''), '\s+', '', 'g') AS target_compact
    FROM fact_indicator_result AS x
    JOIN source_document AS s ON s.document_id = x.document_id AND s.status = 'loaded'
    JOIN dim_project AS p ON p.project_id = x.project_id
),
pairs AS (
    SELECT
        u.department,
        u.implementing_unit,
        c.project_id,
        c.project_name,
        c.indicator_id,
        c.reported_name AS indicator_name,
        c.position,
        o.reported_name AS prev_indicator_name,
        c.reported_level1 AS level1,
        c.reported_level2 AS level2,
        o.fiscal_year AS prev_fiscal_year,
        c.fiscal_year,
        o.target_text AS prev_target_text,
        c.target_text,
        o.target_kind AS prev_target_kind,
        c.target_kind,
        o.target_operator AS prev_target_operator,
        c.target_operator,
        o.target_low AS prev_target_low,
        c.target_low,
        o.target_high AS prev_target_high,
        c.target_high,
        o.target_unit AS prev_target_unit,
        c.target_unit,
        c.direction,
        o.actual_text AS prev_actual_text,
        c.actual_text,
        o.achieved AS prev_achieved,
        c.achieved,
        c.document_id,
        u.file_name,
        c.page,
        CASE
            WHEN c.target_kind <> o.target_kind THEN 'kind_changed'
            WHEN c.target_kind IN ('numeric', 'range')
                 AND (c.target_unit IS DISTINCT FROM o.target_unit
                      OR c.target_unit_norm IS DISTINCT FROM o.target_unit_norm)
                THEN 'unit_changed'
            WHEN c.target_kind = 'numeric' AND c.direction IS DISTINCT FROM o.direction
                THEN 'direction_changed'
            WHEN c.target_kind = 'numeric' AND c.bound < o.bound
                THEN CASE WHEN c.direction = 'higher_is_better' THEN 'lowered' ELSE 'raised' END
            WHEN c.target_kind = 'numeric' AND c.bound > o.bound
                THEN CASE WHEN c.direction = 'higher_is_better' THEN 'raised' ELSE 'lowered' END
            WHEN c.target_kind = 'numeric'
                 AND c.target_operator IS DISTINCT FROM o.target_operator
                THEN 'operator_changed'
            WHEN c.target_kind = 'range' AND c.target_low <= o.target_low
                 AND c.target_high <= o.target_high
                 AND (c.target_low < o.target_low OR c.target_high < o.target_high)
                THEN 'lowered'
            WHEN c.target_kind = 'range' AND c.target_low >= o.target_low
                 AND c.target_high >= o.target_high
                 AND (c.target_low > o.target_low OR c.target_high > o.target_high)
                THEN 'raised'
            WHEN c.target_kind = 'range'
                 AND (c.target_low IS DISTINCT FROM o.target_low
                      OR c.target_high IS DISTINCT FROM o.target_high)
                THEN 'range_changed'
            WHEN c.target_kind IN ('numeric', 'range') THEN NULL
            WHEN c.target_compact <> o.target_compact THEN 'text_changed'
        END AS change
    FROM r AS c
    JOIN r AS o ON o.indicator_id = c.indicator_id AND o.fiscal_year = c.fiscal_year - 1
    LEFT JOIN v_report_unit AS u ON u.project_id = c.project_id AND u.fiscal_year = c.fiscal_year
)
SELECT
    *,
    (change = 'lowered') AS lowered,
    (change = 'raised') AS raised
FROM pairs
WHERE change IS NOT NULL
