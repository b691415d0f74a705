-- 自评表所属单位 The unit of every loaded self-evaluation (one project in one year): 主管部门 and 实施单位 as printed that year, the project's stable id, the file and page.
-- Answers: 这张自评表属于哪个主管部门、哪个实施单位，出自哪个文件第几页？ Which supervising department and implementing unit filed a report, in which file and on which page?
-- Grain: one project × fiscal year (facts of loaded documents only). The unit is the one printed in that year's report
-- (project_alias), else the project's latest (dim_project); every reporting view takes its department and implementing_unit from here.
WITH alias AS (
    SELECT
        project_id,
        fiscal_year,
        min(reported_name) AS reported_name,
        arg_min(department_id, reported_name) AS department_id,
        arg_min(implementing_unit_id, reported_name) AS implementing_unit_id
    FROM project_alias
    GROUP BY project_id, fiscal_year
)
SELECT
    d.name AS department,
    u.name AS implementing_unit,
    e.project_id,
    p.project_name,
    coalesce(a.reported_name, p.project_name) AS reported_name,
    e.fiscal_year,
    s.file_name,
    e.page,
    e.document_id
FROM fact_project_evaluation AS e
JOIN source_document AS s ON s.document_id = e.document_id AND s.status = 'loaded'
JOIN dim_project AS p ON p.project_id = e.project_id
LEFT JOIN alias AS a ON a.project_id = e.project_id AND a.fiscal_year = e.fiscal_year
LEFT JOIN dim_department AS d ON d.department_id = coalesce(a.department_id, p.department_id)
LEFT JOIN dim_department AS u
    ON u.department_id = coalesce(a.implementing_unit_id, p.implementing_unit_id)
