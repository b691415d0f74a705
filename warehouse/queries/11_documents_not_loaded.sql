-- 问题：哪些文件没有载入（隔离、无法读取、重复、被替代），原因是什么？
-- Question: Which files were not loaded (quarantined, failed, duplicate, superseded), and why?
-- Columns: file_name, path, status, error_code, reason, related_file, errors, warnings, ingested_at
-- related_file: the original of a duplicate, or the file that superseded a document; errors / warnings: its dq_issue rows.
SELECT
    d.file_name,
    d.path,
    d.status,
    d.error_code,
    d.reason,
    coalesce(o.file_name, s.file_name) AS related_file,
    (SELECT count(*) FROM dq_issue AS i
     WHERE i.document_id = d.document_id AND i.severity = 'error') AS errors,
    (SELECT count(*) FROM dq_issue AS i
     WHERE i.document_id = d.document_id AND i.severity = 'warning') AS warnings,
    d.ingested_at
FROM source_document AS d
LEFT JOIN source_document AS o ON o.document_id = d.duplicate_of
LEFT JOIN source_document AS s ON s.document_id = d.superseded_by
WHERE d.status <> 'loaded'
ORDER BY d.ingested_at DESC, d.file_name
