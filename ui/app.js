// The spend dashboard: reads /admin/spend (three views: over time, by team,
// by model) and /health/deployments with the key given in the URL fragment
// (#key=...) or typed in, and draws tables, bars and an SVG chart. No
// libraries, no build step.
"use strict";

const state = { key: "" };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "class") node.className = value;
    else if (name === "width") node.style.width = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  return node;
}

function groupDigits(text) { return text.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
function count(n) { return groupDigits(String(n)); }

// Same precision rules as the CLI: more decimals the smaller the amount.
function money(nanos) {
  const negative = nanos < 0;
  const value = Math.abs(nanos);
  const decimals = value === 0 || value >= 1e9 ? 2 : value >= 1e7 ? 4 : 6;
  const unit = Math.pow(10, 9 - decimals);
  const rounded = Math.round(value / unit);
  const scale = Math.pow(10, decimals);
  const whole = Math.floor(rounded / scale);
  const fraction = String(rounded % scale).padStart(decimals, "0");
  return (negative && rounded ? "-" : "") + "$" + groupDigits(String(whole)) + "." + fraction;
}
function pct(value) { return value.toFixed(1) + "%"; }

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + state.key } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.error ? body.error.message : response.statusText;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function spendUrl(extra) {
  const params = new URLSearchParams({ since: $("since").value });
  const node = $("node").value.trim();
  if (node) params.set("node", node);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return "/admin/spend?" + params.toString();
}

function drawCards(report) {
  const t = report.total;
  $("range").textContent = report.since_local + " to " + report.until_local;
  $("total-cost").textContent = money(t.cost_nanos);
  $("total-cost").dataset.nanos = t.cost_nanos;
  $("total-requests").textContent = count(t.requests);
  $("total-requests").dataset.value = t.requests;
  $("total-savings").textContent = money(t.savings_nanos);
  $("total-savings").dataset.nanos = t.savings_nanos;
  $("total-savings-pct").textContent = t.baseline_nanos ? pct(t.savings_pct) + " of " + money(t.baseline_nanos) : "";
  $("total-errors").textContent = count(t.errors) + " · " + count(t.fallbacks);
}

function drawSeries(report) {
  const box = $("series-chart");
  box.replaceChildren();
  const buckets = report.buckets;
  if (!buckets.length) { box.append(el("p", { class: "muted" }, "no data")); return; }
  const width = 800, height = 180, bottom = 20, step = width / buckets.length;
  const top = Math.max(1, ...buckets.map((b) => Math.max(b.cost_nanos, b.baseline_nanos)));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img" });
  buckets.forEach((b, i) => {
    const scale = (v) => ((height - bottom) * v) / top;
    const base = svg("rect", { class: "saved", x: i * step + 1, width: Math.max(1, step - 2),
                               y: height - bottom - scale(b.baseline_nanos), height: scale(b.baseline_nanos) });
    const cost = svg("rect", { class: "cost", x: i * step + 1, width: Math.max(1, step - 2),
                               y: height - bottom - scale(b.cost_nanos), height: scale(b.cost_nanos),
                               "data-label": b.label, "data-nanos": b.cost_nanos });
    const title = svg("title");
    title.textContent = `${b.label}: ${money(b.cost_nanos)} (${count(b.requests)} requests, saved ${money(b.savings_nanos)})`;
    cost.append(title);
    chart.append(base, cost);
    if (buckets.length <= 16 || i % Math.ceil(buckets.length / 12) === 0) {
      const label = svg("text", { x: i * step + 2, y: height - 5 });
      label.textContent = b.label;
      chart.append(label);
    }
  });
  box.append(chart);
}

function drawGroups(table, report, dimension) {
  table.replaceChildren(el("tr", {}, el("th", {}, dimension), el("th", {}, "Requests"), el("th", {}, "Cost"),
                           el("th", {}, "Share"), el("th", {}, "Saved"), el("th", {}, "")));
  const largest = Math.max(1, ...report.rows.map((r) => r.cost_nanos));
  for (const row of report.rows) {
    const name = row.group[dimension] || "-";
    table.append(el("tr", { "data-group": name, "data-cost-nanos": row.cost_nanos, "data-requests": row.requests },
      el("td", {}, name), el("td", {}, count(row.requests)), el("td", {}, money(row.cost_nanos)),
      el("td", {}, pct(row.share_pct)), el("td", {}, money(row.savings_nanos) + (row.baseline_nanos ? " (" + pct(row.savings_pct) + ")" : "")),
      el("td", { class: "barcell" }, el("div", { class: "bar", width: (100 * row.cost_nanos / largest).toFixed(1) + "%" }))));
  }
  if (!report.rows.length) table.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "no requests")));
}

function amount(b, value) { return b.unit === "tokens" ? count(value) + " tok" : money(value); }

function gauge(b) {
  const bar = el("div", { class: "gauge" });
  const limit = Math.max(b.amount * Math.max(1, b.block_pct / 100), 1);
  bar.append(el("div", { class: "used", width: Math.min(100, (100 * b.spent) / limit).toFixed(1) + "%" }));
  for (const [name, p] of [["alert", b.alert_pct], ["downgrade", b.downgrade_pct], ["block", b.block_pct]])
    if (p) bar.append(el("div", { class: "mark " + name, title: name + " at " + p + "%" }));
  const marks = bar.querySelectorAll(".mark");
  let i = 0;
  for (const p of [b.alert_pct, b.downgrade_pct, b.block_pct]) if (p) marks[i++].style.left = Math.min(100, (100 * b.amount * p / 100) / limit) + "%";
  return bar;
}

function drawBudgets(report) {
  const table = $("budgets");
  table.replaceChildren(el("tr", {}, ...["Budget", "Period", "Amount", "Spent", "Remaining", "", "Level", "Resets", "Projected", ""]
    .map((h) => el("th", {}, h))));
  for (const b of report.budgets) {
    const scope = b.scope_kind === "node" ? b.scope : b.scope_kind + " " + b.scope;
    const flag = b.will_block ? "will block" + (b.blocks_at ? " ~" + new Date(b.blocks_at).toISOString().slice(0, 10) : "") : "";
    table.append(el("tr", { "data-budget": scope, "data-spent": b.spent, "data-level": b.level },
      el("td", {}, scope), el("td", {}, b.period), el("td", {}, amount(b, b.amount)), el("td", {}, amount(b, b.spent)),
      el("td", {}, amount(b, b.remaining)), el("td", {}, gauge(b)), el("td", { class: "level-" + b.level }, b.level),
      el("td", {}, b.resets_local), el("td", {}, amount(b, b.projected)), el("td", { class: "flag" }, flag)));
  }
  if (!report.budgets.length) table.append(el("tr", {}, el("td", { colspan: 10, class: "muted" }, "no budgets in view")));
}

async function drawHealth() {
  const table = $("health");
  table.replaceChildren(el("tr", {}, ...["Deployment", "State", "Successes", "Failures", "Error rate", "TTFT"].map((h) => el("th", {}, h))));
  try {
    const health = await api("/health/deployments");
    for (const d of health.deployments || [])
      table.append(el("tr", { "data-deployment": d.deployment },
        el("td", {}, d.deployment), el("td", { class: "state-" + d.state }, d.state), el("td", {}, count(d.successes)),
        el("td", {}, count(d.failures)), el("td", {}, pct(100 * (d.error_rate || 0))),
        el("td", {}, d.ttft_ms == null ? "-" : Math.round(d.ttft_ms) + " ms")));
    if (!(health.deployments || []).length) table.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "no traffic yet")));
  } catch (error) {
    table.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "not available: " + error.message)));
  }
}

async function load() {
  document.body.dataset.ready = "0";
  $("error").hidden = true;
  try {
    const period = $("period").value;
    const [series, teams, models] = await Promise.all([
      api(spendUrl({ period })), api(spendUrl({ by: "team", top: "12" })), api(spendUrl({ by: "model", top: "12" }))]);
    $("login").hidden = true;
    $("dashboard").hidden = false;
    drawCards(series);
    drawSeries(series);
    drawGroups($("by-team"), teams, "team");
    drawGroups($("by-model"), models, "model");
    drawBudgets(series);
    await drawHealth();
    document.body.dataset.ready = "1";
  } catch (error) {
    if (error.status === 401) { $("login").hidden = false; sessionStorage.removeItem("megarouter-key"); }
    $("error").textContent = error.message;
    $("error").hidden = false;
    document.body.dataset.ready = "error";
  }
}

function start() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("key")) {
    sessionStorage.setItem("megarouter-key", fragment.get("key"));
    history.replaceState(null, "", location.pathname + location.search); // keep the key out of the address bar
  }
  for (const name of ["since", "period", "node"]) if (fragment.get(name)) $(name).value = fragment.get(name);
  state.key = sessionStorage.getItem("megarouter-key") || "";
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("key").value.trim();
    sessionStorage.setItem("megarouter-key", state.key);
    load();
  });
  $("controls").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  if (!state.key) { $("login").hidden = false; return; }
  load();
}

start();
