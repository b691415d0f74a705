-- 单位年度汇总 Per unit (主管部门 / 实施单位) and fiscal year: projects, budget counted once (万元), execution rate, scores, grades, flags, 可信度 and open findings.
-- Answers: 各单位每年有多少项目、预算多少万元（不重复计算）、执行率、得分等级如何、有多少问题待处理？ Per unit and year: how many projects, how much budget (counted once), executed how far, scored how, with how many findings to act on?
-- Grain: one 主管部门 × 实施单位 × fiscal year with a loaded report or a finding. Money in 万元 from the funding block's 年度资金总额 row
-- (funding_source = 'total') only, so no amount is counted twice; appropriation / carryover / other split the full-year budget by source.
-- execution_rate = Σ 全年执行数 / Σ 全年预算数 × 100 (%). open_issues: v_issue_list rows with needs_action (unit as found there).
WITH src AS (
    SELECT
        project_id,
        fiscal_year,
        sum(budget_full_year) FILTER (WHERE funding_source = 'appropriation') AS appropriation,
        sum(budget_full_year) FILTER (WHERE funding_source = 'carryover') AS carryover,
        sum(budget_full_year) FILTER (WHERE funding_source = 'other') AS other
    FROM fact_project_funding
    GROUP BY project_id, fiscal_year
),
unmet AS (
    SELECT project_id, fiscal_year, count(*) AS n
    FROM v_unmet_indicators
    GROUP BY project_id, fiscal_year
),
reports AS (
    SELECT
        y.department,
        y.implementing_unit,
        y.fiscal_year,
        count(*) AS projects,
        sum(y.budget_initial) AS budget_initial,
        sum(y.budget_full_year) AS budget_full_year,
        sum(y.executed) AS executed,
        CASE WHEN sum(y.budget_full_year) > 0
             THEN CAST(round(sum(y.executed) / sum(y.budget_full_year) * 100, 2) AS DECIMAL(9, 2))
        END AS execution_rate,
        sum(s.appropriation) AS appropriation_full_year,
        sum(s.carryover) AS carryover_full_year,
        sum(s.other) AS other_full_year,
        CAST(round(avg(y.total_score), 2) AS DECIMAL(9, 2)) AS avg_total_score,
        min(y.total_score) AS min_total_score,
        count(*) FILTER (WHERE y.grade = '优') AS grade_excellent,
        count(*) FILTER (WHERE y.grade = '良') AS grade_good,
        count(*) FILTER (WHERE y.grade = '中') AS grade_fair,
        count(*) FILTER (WHERE y.grade = '差') AS grade_poor,
        count(*) FILTER (WHERE y.total_score_change < 0) AS score_dropped,
        count(*) FILTER (WHERE y.execution_rate < 90) AS low_execution,
        coalesce(sum(m.n), 0) AS unmet_indicators,
        count(*) FILTER (WHERE c.flags > 0) AS flagged_reports,
        min(c.credibility) AS min_credibility,
        CAST(round(avg(c.credibility), 2) AS DECIMAL(9, 2)) AS avg_credibility
    FROM v_project_year_over_year AS y
    LEFT JOIN src AS s ON s.project_id = y.project_id AND s.fiscal_year = y.fiscal_year
    LEFT JOIN unmet AS m ON m.project_id = y.project_id AND m.fiscal_year = y.fiscal_year
    LEFT JOIN v_report_credibility AS c
        ON c.project_id = y.project_id AND c.fiscal_year = y.fiscal_year
    GROUP BY y.department, y.implementing_unit, y.fiscal_year
),
issues AS (
    SELECT department, implementing_unit, fiscal_year, count(*) AS open_issues
    FROM v_issue_list
    WHERE needs_action AND (department IS NOT NULL OR implementing_unit IS NOT NULL)
      AND fiscal_year IS NOT NULL
    GROUP BY department, implementing_unit, fiscal_year
)
SELECT
    coalesce(r.department, i.department) AS department,
    coalesce(r.implementing_unit, i.implementing_unit) AS implementing_unit,
    coalesce(r.fiscal_year, i.fiscal_year) AS fiscal_year,
    coalesce(r.projects, 0) AS projects,
    r.budget_initial,
    r.budget_full_year,
    r.executed,
    r.execution_rate,
    r.appropriation_full_year,
    r.carryover_full_year,
    r.other_full_year,
    r.avg_total_score,
    r.min_total_score,
    coalesce(r.grade_excellent, 0) AS grade_excellent,
    coalesce(r.grade_good, 0) AS grade_good,
    coalesce(r.grade_fair, 0) AS grade_fair,
    coalesce(r.grade_poor, 0) AS grade_poor,
    coalesce(r.score_dropped, 0) AS score_dropped,
    coalesce(r.low_execution, 0) AS low_execution,
    coalesce(r.unmet_indicators, 0) AS unmet_indicators,
    coalesce(r.flagged_reports, 0) AS flagged_reports,
    r.min_credibility,
    r.avg_credibility,
    coalesce(i.open_issues, 0) AS open_issues
FROM reports AS r
FULL OUTER JOIN issues AS i
    ON i.department IS NOT DISTINCT FROM r.department
    AND i.implementing_unit IS NOT DISTINCT FROM r.implementing_unit
    AND i.fiscal_year = r.fiscal_year
