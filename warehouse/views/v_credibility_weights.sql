-- 可信度扣分权重 Credibility weights: what each self-evaluation flag takes off a report's 可信度 (100 分 = no flag), the one place to tune them.
-- Answers: 每种可信度标记扣多少分？ How many points does each credibility flag cost a report?
-- Grain: one flag code. A flag on n items (indicators, rows) takes first_penalty + per_extra_item × (n − 1), at most max_penalty;
-- 可信度 = 100 − the sum over the report's flags, at least 0 (v_report_credibility). Weights are judgement: the stronger the sign
-- that the self-assessed score is inflated or careless (a printed total above the rules' total, a target that binds nothing,
-- low execution without a word), the more it costs; all indicators at full marks, common in honest reports too, costs little.
SELECT *
FROM (
    VALUES
        ('score_above_recomputed', '自评总分高于按评分规则复核的总分', 20, 0, 20),
        ('low_execution_no_reason', '预算执行率低于 90% 且未说明原因', 15, 0, 15),
        ('budget_cut_over_20pct', '全年预算数比年初预算数压减超过 20%', 12, 0, 12),
        ('trivial_target', '目标值无约束力（≥0）', 10, 5, 20),
        ('target_lowered', '年度指标值比上年调低', 10, 5, 20),
        ('actual_equals_threshold', '实际完成值恰好等于“≥”目标值（如满意度 85% 对 ≥85%）', 8, 4, 20),
        ('actual_far_above_target', '实际完成值达到目标值的 130% 以上（目标可能定得过低）', 6, 3, 15),
        ('reason_missing_below_full', '未得满分的指标未填写偏差原因', 6, 3, 15),
        ('reason_on_full_marks', '满分指标填写了偏差原因', 4, 2, 10),
        ('all_full_marks', '全部绩效指标均为满分', 5, 0, 5)
) AS w (flag_code, flag_description, first_penalty, per_extra_item, max_penalty)
