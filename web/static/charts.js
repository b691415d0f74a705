// 单位页的图表：每个指标一张（ECharts，随页面一起提供，不从网上加载）
(function () {
  var el = document.getElementById("unit-summary");
  if (!el || !window.echarts) return;
  var rows = JSON.parse(el.textContent);
  var years = rows.map(function (r) { return String(r.fiscal_year); });
  function col(k) { return rows.map(function (r) { return r[k] === null ? null : Number(r[k]); }); }
  function draw(id, series, extra) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(Object.assign({
      title: { text: node.dataset.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: years },
      yAxis: { type: "value" },
      animation: false,
      series: series
    }, extra || {}));
    node.dataset.ready = "1";
  }
  draw("chart-budget", [{ name: "全年预算数", type: "bar", data: col("budget_full_year") }]);
  draw("chart-rate", [{ name: "执行率", type: "line", data: col("execution_rate") }],
       { yAxis: { type: "value", max: function (v) { return Math.max(100, Math.ceil(v.max)); } } });
  draw("chart-score", [{ name: "平均总分", type: "line", data: col("avg_total_score") }],
       { yAxis: { type: "value", max: 100 } });
  draw("chart-grade", [
    { name: "优", type: "bar", stack: "g", data: col("grade_excellent") },
    { name: "良", type: "bar", stack: "g", data: col("grade_good") },
    { name: "中", type: "bar", stack: "g", data: col("grade_fair") },
    { name: "差", type: "bar", stack: "g", data: col("grade_poor") }
  ], { legend: { right: 0, top: 0 } });
})();
