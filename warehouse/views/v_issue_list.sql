-- 问题清单 Data-quality findings (dq_issue) with the unit they go back to (主管部门 / 实施单位), the file, page, project, rule and what to do, in Chinese.
-- Answers: 哪些问题要退回哪个单位更正，单位该做什么？ Which findings must go back to which unit, and what should the unit do?
-- Grain: one finding. The warehouse keeps no unit for a report it did not load, so the unit is taken from the first evidence
-- found (unit_basis): 本表 the loaded report of that file, year and name; 已入库版本 the version kept when a new one was not
-- applied (version_not_applied names its file); 同一文件 the one unit of the file's loaded reports (a duplicate: its original's),
-- or of the other findings of the file found so far; 同名项目(推断) the one unit that printed that project name that year, then
-- in any year: a guess, check it; else null (an unreadable file: 未识别单位). needs_action is false for notices (superseded,
-- duplicate) and for findings on a project-year whose facts came later from a newer file; action says what to do.
WITH alias AS (
    SELECT
        a.*,
        coalesce(a.department_id, '') || '|' || coalesce(a.implementing_unit_id, '') AS unit_key
    FROM project_alias AS a
),
doc_unit AS (
    SELECT document_id, min(department_id) AS department_id,
           min(implementing_unit_id) AS implementing_unit_id
    FROM alias
    GROUP BY document_id
    HAVING count(DISTINCT unit_key) = 1
),
issue AS (
    SELECT i.*, s.status AS document_status, s.duplicate_of
    FROM dq_issue AS i
    JOIN source_document AS s ON s.document_id = i.document_id
),
evidence AS (
    SELECT i.issue_id, 1 AS strength, '本表' AS unit_basis, a.department_id,
           a.implementing_unit_id, a.project_id
    FROM issue AS i
    JOIN alias AS a
        ON a.document_id = i.document_id AND a.fiscal_year = i.fiscal_year
        AND a.reported_name = i.project_name

    UNION ALL
    SELECT i.issue_id, 2, '已入库版本', coalesce(a.department_id, du.department_id),
           coalesce(a.implementing_unit_id, du.implementing_unit_id), a.project_id
    FROM issue AS i
    JOIN source_document AS k
        ON (k.file_name = i.expected OR k.document_id = i.expected) AND k.status = 'loaded'
    LEFT JOIN alias AS a
        ON a.document_id = k.document_id AND a.fiscal_year = i.fiscal_year
        AND a.reported_name = i.project_name
    LEFT JOIN doc_unit AS du ON du.document_id = k.document_id
    WHERE i.check_code = 'version_not_applied'
      AND (a.project_id IS NOT NULL OR du.document_id IS NOT NULL)

    UNION ALL
    SELECT i.issue_id, 3, '同一文件', du.department_id, du.implementing_unit_id, NULL
    FROM issue AS i
    JOIN doc_unit AS du ON du.document_id = coalesce(i.duplicate_of, i.document_id)

    UNION ALL
    SELECT i.issue_id, 5, '同名项目(推断)', min(a.department_id), min(a.implementing_unit_id),
           CASE WHEN count(DISTINCT a.project_id) = 1 THEN min(a.project_id) END
    FROM issue AS i
    JOIN alias AS a ON a.fiscal_year = i.fiscal_year AND a.reported_name = i.project_name
    GROUP BY i.issue_id
    HAVING count(DISTINCT a.unit_key) = 1

    UNION ALL
    SELECT i.issue_id, 6, '同名项目(推断)', min(a.department_id), min(a.implementing_unit_id),
           CASE WHEN count(DISTINCT a.project_id) = 1 THEN min(a.project_id) END
    FROM issue AS i
    JOIN alias AS a ON a.reported_name = i.project_name
    GROUP BY i.issue_id
    HAVING count(DISTINCT a.unit_key) = 1
),
file_evidence AS (  -- the unit the strong evidence gives a file, when it gives one only
    SELECT i.document_id, min(e.department_id) AS department_id,
           min(e.implementing_unit_id) AS implementing_unit_id
    FROM evidence AS e
    JOIN issue AS i ON i.issue_id = e.issue_id
    WHERE e.strength <= 2
    GROUP BY i.document_id
    HAVING count(DISTINCT coalesce(e.department_id, '') || '|'
                          || coalesce(e.implementing_unit_id, '')) = 1
),
file_project AS (  -- the project strong evidence gives a printed name in a file
    SELECT i.document_id, i.fiscal_year, i.project_name, min(e.project_id) AS project_id
    FROM evidence AS e
    JOIN issue AS i ON i.issue_id = e.issue_id
    WHERE e.strength <= 2 AND e.project_id IS NOT NULL
    GROUP BY i.document_id, i.fiscal_year, i.project_name
    HAVING count(DISTINCT e.project_id) = 1
),
best AS (
    SELECT *
    FROM (
        SELECT * FROM evidence
        UNION ALL
        SELECT i.issue_id, 4, '同一文件', f.department_id, f.implementing_unit_id, NULL
        FROM issue AS i
        JOIN file_evidence AS f ON f.document_id = i.document_id
    )
    QUALIFY row_number() OVER (PARTITION BY issue_id ORDER BY strength) = 1
),
judged AS (
    SELECT
        i.*,
        b.unit_basis,
        b.department_id,
        b.implementing_unit_id,
        coalesce(b.project_id, fp.project_id) AS project_id,
        EXISTS (
            SELECT 1
            FROM fact_project_evaluation AS e
            JOIN source_document AS d ON d.document_id = e.document_id AND d.status = 'loaded'
            WHERE e.project_id = coalesce(b.project_id, fp.project_id)
              AND e.fiscal_year = i.fiscal_year
              AND d.document_id <> i.document_id AND d.ingested_at > i.detected_at
        ) AS fixed_later
    FROM issue AS i
    LEFT JOIN best AS b ON b.issue_id = i.issue_id
    LEFT JOIN file_project AS fp
        ON fp.document_id = i.document_id AND fp.fiscal_year = i.fiscal_year
        AND fp.project_name = i.project_name
)
SELECT
    d.name AS department,
    u.name AS implementing_unit,
    j.unit_basis,
    j.project_id,
    j.project_name,
    j.fiscal_year,
    j.file_name,
    j.page,
    j.indicator,
    j.check_code,
    j.severity,
    j.message,
    j.printed,
    j.expected,
    j.document_status,
    CASE
        WHEN j.check_code IN ('superseded_report', 'superseded_numbers_differ', 'duplicate_file')
            THEN '无需处理（仅供知悉）'
        WHEN j.fixed_later THEN '无需处理（已由后来报送的文件更正）'
        WHEN j.document_status = 'failed' THEN '文件无法读取：按说明处理后重新报送该文件'
        WHEN j.check_code = 'version_not_applied'
            THEN '新版本未采用（保留已入库的版本）：如需更正，请改正所列问题后重新报送'
        WHEN j.severity = 'warning' AND j.document_status IN ('loaded', 'superseded')
            THEN '已入库但不符合评分规则：请核实更正或书面说明'
        ELSE '该自评表未入库：请更正后重新报送'
    END AS action,
    NOT (j.check_code IN ('superseded_report', 'superseded_numbers_differ', 'duplicate_file')
         OR j.fixed_later) AS needs_action,
    j.detected_at,
    j.issue_id,
    j.document_id
FROM judged AS j
LEFT JOIN dim_department AS d ON d.department_id = j.department_id
LEFT JOIN dim_department AS u ON u.department_id = j.implementing_unit_id
