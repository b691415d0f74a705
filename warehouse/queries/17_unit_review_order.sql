-- 问题：各单位最应优先复核的 5 张自评表是哪些，为什么（可信度标记）？
-- Question: Per unit, which five self-evaluations should be reviewed first, and why (their credibility flags)?
-- Columns: department, implementing_unit, unit_rank, fiscal_year, project_id, project_name, total_score, grade, credibility, flags, reasons, file_name, page
-- 可信度 = 100 − the penalties of the report's flags (v_report_credibility, weights in v_credibility_weights); unit_rank 1 = review first.
SELECT
    department,
    implementing_unit,
    unit_rank,
    fiscal_year,
    project_id,
    project_name,
    total_score,
    grade,
    credibility,
    flags,
    reasons,
    file_name,
    page
FROM v_report_credibility
WHERE unit_rank <= 5
ORDER BY department, implementing_unit, unit_rank
