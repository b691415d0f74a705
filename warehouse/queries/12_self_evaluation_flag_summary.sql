-- 问题：哪些项目的自评结果可信度标记最多，值得优先复核？
-- Question: Which self-evaluations carry the most credibility flags, i.e. should be reviewed first?
-- Columns: fiscal_year, project_id, project_name, grade, total_score, flags, flag_codes
-- One row per project and year with at least one flag of v_self_evaluation_flags; flag_codes lists them.
SELECT
    fiscal_year,
    project_id,
    project_name,
    grade,
    total_score,
    count(*) AS flags,
    string_agg(flag_code, ', ' ORDER BY flag_code) AS flag_codes
FROM v_self_evaluation_flags
GROUP BY fiscal_year, project_id, project_name, grade, total_score
ORDER BY fiscal_year DESC, flags DESC, project_name
