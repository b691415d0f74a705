-- 项目逐年对比 Year over year per project (with its 主管部门 and 实施单位): budget, execution, total score and grade of one year beside the same project's previous year (fiscal_year - 1).
-- Answers: 项目今年与上年相比预算、执行率、总分、等级有何变化？ How did a project's budget, execution rate, score and grade change from last year?
-- Grain: one project × fiscal year (facts of loaded documents only). prev_* are null when the project has no report for fiscal_year - 1.
-- execution_rate is the recomputed rate (全年执行数 / 全年预算数 × 100), the printed one when it cannot be recomputed.
WITH cur AS (
    SELECT
        r.department,
        r.implementing_unit,
        e.project_id,
        r.project_name,
        r.reported_name,
        e.fiscal_year,
        f.budget_initial,
        f.budget_full_year,
        f.executed,
        COALESCE(f.computed_execution_rate, f.execution_rate) AS execution_rate,
        f.execution_rate AS execution_rate_printed,
        e.total_score,
        e.recomputed_score,
        e.grade,
        e.dq_status,
        e.document_id,
        r.file_name,
        r.page
    FROM fact_project_evaluation AS e
    JOIN v_report_unit AS r ON r.project_id = e.project_id AND r.fiscal_year = e.fiscal_year
    LEFT JOIN fact_project_funding AS f
        ON f.project_id = e.project_id AND f.fiscal_year = e.fiscal_year
        AND f.funding_source = 'total'
)
SELECT
    c.department,
    c.implementing_unit,
    c.project_id,
    c.project_name,
    c.reported_name,
    c.fiscal_year,
    c.budget_initial,
    c.budget_full_year,
    c.executed,
    c.execution_rate,
    c.execution_rate_printed,
    c.total_score,
    c.recomputed_score,
    c.grade,
    c.dq_status,
    c.document_id,
    p.fiscal_year AS prev_fiscal_year,
    p.reported_name AS prev_reported_name,
    p.budget_full_year AS prev_budget_full_year,
    p.executed AS prev_executed,
    p.execution_rate AS prev_execution_rate,
    p.total_score AS prev_total_score,
    p.grade AS prev_grade,
    c.budget_full_year - p.budget_full_year AS budget_full_year_change,
    CASE WHEN p.budget_full_year <> 0
         THEN CAST(round((c.budget_full_year - p.budget_full_year) / p.budget_full_year * 100, 2)
                  AS DECIMAL(9, 2))
    END AS budget_full_year_change_pct,
    c.executed - p.executed AS executed_change,
    c.execution_rate - p.execution_rate AS execution_rate_change,
    c.total_score - p.total_score AS total_score_change,
    (p.grade IS NOT NULL AND c.grade IS DISTINCT FROM p.grade) AS grade_changed,
    (p.project_id IS NULL) AS is_first_year,
    c.file_name,
    c.page
FROM cur AS c
LEFT JOIN cur AS p ON p.project_id = c.project_id AND p.fiscal_year = c.fiscal_year - 1
