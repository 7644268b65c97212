// parallax web UI: plain JavaScript, no libraries, no network but this server's API.
// Routes on the URL fragment:
//   #/                 stories, the most recent first (when /api/stories is served),
//                      otherwise articles
//   #/stories/OFFSET?lang=da&source=OUTLET&since=2025-09-01&until=2025-09-30&q=TEXT&limit=N
//                      a page of stories, filtered (every part optional: a permalink)
//   #/articles/OFFSET?lang=da&source=OUTLET&since=DATE&until=DATE&limit=N
//                      a page of articles, newest first, each with a link to its story
//   #/search/QUERY     search across languages
//   #/article/ID       an article with its facts highlighted
//   #/story/ID         the versions of a story side by side (/api/stories/ID/compare)
// Byte spans from the API are offsets into the UTF-8 article text; they are applied to
// UTF-8 bytes here (TextEncoder / TextDecoder), never to JavaScript string indices.
"use strict";

const main = document.getElementById("main");
const enc = new TextEncoder();
const dec = new TextDecoder();

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

async function api(path) {
  const res = await fetch(path, { headers: { accept: "application/json" } });
  let body = null;
  try { body = await res.json(); } catch (_) { body = null; }
  return { ok: res.ok, status: res.status, body };
}

function show(...nodes) {
  main.replaceChildren(...nodes);
}

// The page title: what the page shows, then the tool.
function titled(what) {
  document.title = what ? what + " · parallax" : "parallax";
}

// The page's address, shown on paper only (the print style sheet): where a printed
// story or article can be opened again.
function printAddress() {
  return h("p", { class: "print-only print-address" }, "Printed from ", location.href);
}

function failure(r) {
  const msg = r.body && r.body.error ? r.body.error : "HTTP " + r.status;
  return h("p", { class: "error" }, msg);
}

// The reader's language, for story titles.
function readerLang() {
  return localStorage.getItem("parallax.lang") || (navigator.language || "en").slice(0, 2);
}

function setLanguages(langs) {
  const sel = document.getElementById("reader-lang");
  const cur = readerLang();
  const all = Array.from(new Set([cur, ...langs])).sort();
  sel.replaceChildren(...all.map((l) => h("option", { value: l, selected: l === cur }, l)));
}

document.getElementById("reader-lang").addEventListener("change", (e) => {
  localStorage.setItem("parallax.lang", e.target.value);
  route();
});

function badges(langs) {
  return (langs || []).map((l) => h("span", { class: "badge lang-badge" }, l || "??"));
}

function day(s) {
  return s ? String(s).slice(0, 10) : "";
}

// ---- story list and article list

// `data`: a page of stories as /api/stories answers it: {total, offset, limit,
// stories: [{id, languages, n_articles, first_seen, last_seen, titles: {lang: title},
// articles: [ids]}]}.
function storyTitle(story, lang) {
  const t = story.titles || {};
  return t[lang] || t.en || Object.values(t)[0] || story.id;
}

// The filters of a list page as its fragment holds them: {lang, source, since, until,
// q, limit}, the ones not given left out. `source` is an outlet as /api/sources names
// it; `since` and `until` are dates (YYYY-MM-DD), `until` taking its whole day.
const FILTERS = ["lang", "source", "since", "until", "q", "limit"];

function filtersOf(params) {
  const f = {};
  FILTERS.forEach((k) => {
    const v = (params.get(k) || "").trim();
    if (v) f[k] = v;
  });
  return f;
}

// Whether any filter but the page size is set.
function filtered(f) {
  return Object.keys(f).some((k) => k !== "limit");
}

// The filters in words, for the line above a list and the answer of an empty one:
// "in ro, from Harbour Press, 2026-04-01 to 2026-04-30, about “port strike”".
function filterWords(f) {
  const parts = [];
  if (f.lang) parts.push("in " + f.lang);
  if (f.source) parts.push("from " + f.source);
  if (f.since && f.until) parts.push(f.since === f.until ? "on " + f.until : f.since + " to " + f.until);
  else if (f.since) parts.push("since " + f.since);
  else if (f.until) parts.push("until " + f.until);
  if (f.q) parts.push("about “" + f.q + "”");
  return parts.join(", ");
}

// The fragment of a list page (`stories` or `articles`) at `offset` with filters `f`.
function listHash(page, offset, f) {
  const q = new URLSearchParams();
  FILTERS.forEach((k) => { if (f[k]) q.set(k, f[k]); });
  const query = q.toString();
  return "#/" + page + (offset > 0 ? "/" + offset : "") + (query ? "?" + query : "");
}

// The API's query string for a list page.
function listQuery(offset, f) {
  const q = new URLSearchParams({ offset: String(offset) });
  FILTERS.forEach((k) => { if (f[k]) q.set(k, f[k]); });
  return q.toString();
}

// The languages to filter by: those of the latest 500 stories or articles, and the one
// chosen.
async function knownLanguages(kind, chosen) {
  const r = await api("/api/" + kind + "?limit=500");
  const langs = new Set(chosen ? [chosen] : []);
  if (r.ok) (r.body[kind] || []).forEach((x) => (kind === "stories" ? x.languages || [] : [x.lang]).forEach((l) => l && langs.add(l)));
  return [...langs].sort();
}

// The outlets to filter by, as /api/sources answers them ([{source, articles}], the
// most articles first), and the one chosen if the store no longer has it.
async function knownSources(chosen) {
  const r = await api("/api/sources");
  const list = r.ok ? (r.body.sources || []).filter((s) => s && s.source) : [];
  if (chosen && !list.some((s) => s.source === chosen)) list.unshift({ source: chosen, articles: 0 });
  return list;
}

// The filter form of a list page: a language (`langs`), an outlet (`sources`), a date
// range, and for stories a search text; applying it puts the filters in the fragment
// (a permalink).
function filterForm(page, f, langs, sources) {
  const lang = h("select", { name: "lang" }, h("option", { value: "" }, "all languages"),
    langs.map((l) => h("option", { value: l, selected: l === f.lang }, l)));
  const source = sources.length ? h("select", { name: "source" }, h("option", { value: "" }, "all outlets"),
    sources.map((s) => h("option", { value: s.source, selected: s.source === f.source },
      s.source + (s.articles ? " (" + s.articles + ")" : "")))) : null;
  const since = h("input", { type: "date", name: "since", value: f.since || null });
  const until = h("input", { type: "date", name: "until", value: f.until || null });
  const stories = page === "stories";
  const text = stories ? h("input", { type: "search", name: "q", value: f.q || null, placeholder: "words or meaning, any language" }) : null;
  const form = h("form", { class: "filters", id: page + "-filters" },
    h("label", {}, "Language ", lang),
    source ? h("label", { class: "filter-source" }, "Outlet ", source) : null,
    h("span", { class: "filter-dates" }, h("label", {}, "From ", since), " ", h("label", {}, "to ", until)),
    stories ? h("label", { class: "filter-text" }, "About ", text) : null,
    h("button", { type: "submit" }, "Filter"),
    filtered(f) ? h("a", { href: "#/" + page, class: "clear" }, "clear") : null);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    location.hash = listHash(page, 0, {
      lang: lang.value, source: source ? source.value : f.source, since: since.value, until: until.value,
      q: text ? text.value.trim() : "", limit: f.limit,
    });
  });
  return form;
}

// Newer / older links that keep the filters.
function pager(page, data, shown, f) {
  const offset = data.offset || 0;
  return h("p", { class: "pager" },
    offset > 0 ? h("a", { href: listHash(page, Math.max(0, offset - data.limit), f), rel: "prev" }, "← newer") : null,
    offset + shown < data.total ? h("a", { href: listHash(page, offset + shown, f), rel: "next" }, "older →") : null);
}

// What an empty list says: nothing at all, nothing for these filters (named), or a date
// range that ends before it starts.
function emptyList(kind, f) {
  if (!filtered(f)) return "No " + kind + " yet.";
  const backwards = f.since && f.until && f.since > f.until ? " (the range ends before it starts)" : "";
  return "No " + kind.replace(/ies$/, "y").replace(/s$/, "") + " matches these filters: " + filterWords(f) + backwards + ".";
}

function renderStoryList(data, f, langs, sources) {
  const stories = data.stories || [];
  setLanguages(langs);
  const lang = readerLang();
  const offset = data.offset || 0;
  titled(filtered(f) ? "Stories (filtered)" : "Stories");
  return h("section", { id: "stories" },
    h("h1", {}, "Stories"),
    filterForm("stories", f, langs, sources),
    stories.length === 0 ? h("p", { class: "muted empty" }, emptyList("stories", f)) :
      h("p", { class: "muted count" }, data.total + (data.total === 1 ? " story" : " stories") +
        (filtered(f) ? " " + filterWords(f) : "") +
        (f.q ? ", in the order of the search" : ", the most recent first") +
        (data.total > stories.length ? " · " + (offset + 1) + "–" + (offset + stories.length) : "")),
    h("ul", { class: "list" }, stories.map((s) =>
      h("li", { class: "story-row", "data-id": s.id },
        h("a", { href: "#/story/" + encodeURIComponent(s.id) }, storyTitle(s, lang)),
        h("div", { class: "meta" },
          badges(s.languages),
          " ", s.n_articles, s.n_articles === 1 ? " article" : " articles",
          " · ", day(s.first_seen),
          day(s.last_seen) && day(s.last_seen) !== day(s.first_seen) ? " – " + day(s.last_seen) : "",
          (s.sources || []).length ? h("span", { class: "outlets" }, " · " + s.sources.join(", ")) : null)))),
    pager("stories", data, stories.length, f));
}

function storyLink(story) {
  return story !== null && story !== undefined
    ? [" · ", h("a", { href: "#/story/" + encodeURIComponent(story), class: "story-link" }, "story " + story)]
    : null;
}

function articleRow(a, extra) {
  return h("li", { class: "article-row", "data-id": a.id, "data-lang": a.lang || "" },
    h("a", { href: "#/article/" + encodeURIComponent(a.id) }, a.title || a.id),
    h("div", { class: "meta" }, badges([a.lang]), " ", day(a.published), a.source ? " · " + a.source : "", extra || "",
      storyLink(a.story)),
    a.standfirst ? h("div", { class: "standfirst" }, a.standfirst) : null);
}

function renderArticleList(data, f, langs, sources) {
  const articles = data.articles || [];
  setLanguages(langs);
  const offset = data.offset || 0;
  titled(filtered(f) ? "Articles " + filterWords(f) : "Articles");
  return h("section", { id: "articles" },
    h("h1", {}, "Articles"),
    filterForm("articles", f, langs, sources),
    articles.length === 0 ? h("p", { class: "muted empty" }, emptyList("articles", f)) :
      h("p", { class: "muted count" }, data.total + (data.total === 1 ? " article" : " articles") +
        (filtered(f) ? " " + filterWords(f) : "") + ", newest first" +
        (data.total > articles.length ? " · " + (offset + 1) + "–" + (offset + articles.length) : "")),
    h("ul", { class: "list" }, articles.map((a) => articleRow(a))),
    pager("articles", data, articles.length, f));
}

async function storyList(offset, params) {
  const f = filtersOf(params);
  const [stories, langs, sources] = await Promise.all([
    api("/api/stories?" + listQuery(Number(offset) || 0, f)), knownLanguages("stories", f.lang), knownSources(f.source)]);
  if (stories.ok) return show(renderStoryList(stories.body, f, langs, sources));
  if (stories.status === 400) return show(failure(stories));
  // A server without stories: its articles.
  await articleList(0, new URLSearchParams());
}

async function articleList(offset, params) {
  const f = filtersOf(params);
  delete f.q;
  const [r, langs, sources] = await Promise.all([
    api("/api/articles?" + listQuery(Number(offset) || 0, f)), knownLanguages("articles", f.lang), knownSources(f.source)]);
  show(r.ok ? renderArticleList(r.body, f, langs, sources) : failure(r));
}

// ---- search

function renderSearch(data) {
  setLanguages([...new Set(data.hits.map((hit) => hit.lang).filter(Boolean))]);
  titled("Search: " + data.query);
  return h("section", { id: "results" },
    h("h1", {}, "Search: ", data.query),
    h("p", { class: "muted" }, data.hits.length + " results",
      data.vectors ? " (words and meaning, across languages)" : " (words only)"),
    data.hits.length === 0 ? h("p", { class: "muted" }, "Nothing matches.") : null,
    h("ul", { class: "list" }, data.hits.map((hit) => articleRow(hit,
      " · " + [hit.text_rank ? "words #" + hit.text_rank : null,
        hit.vector_rank ? "meaning #" + hit.vector_rank : null].filter(Boolean).join(", ")))));
}

async function search(q) {
  document.getElementById("search").value = q;
  const r = await api("/api/search?q=" + encodeURIComponent(q));
  show(r.ok ? renderSearch(r.body) : failure(r));
}

// ---- article page

// The blocks of an article as its text() joins them: title, standfirst, caption,
// paragraphs; non-empty ones, separated by "\n\n" (2 bytes).
function blocks(a) {
  const parts = [["title", a.title], ["standfirst", a.standfirst], ["caption", a.caption]];
  (a.paragraphs || []).forEach((p) => parts.push([p.kind === "subheading" ? "subheading" : "paragraph", p.text]));
  const out = [];
  let start = 0;
  for (const [kind, text] of parts) {
    if (!text) continue;
    if (out.length) start += 2;
    const bytes = enc.encode(text);
    out.push({ kind, bytes, start });
    start += bytes.length;
  }
  return out;
}

// Marks: [{start, end, cls, title}] in bytes of the article text.
function factMarks(facts) {
  const marks = [];
  const add = (list, cls, title) => (list || []).forEach((f) => {
    if (f.span) marks.push({ start: f.span.start, end: f.span.end, cls, title: title(f) });
  });
  add(facts.quotes, "f-quote", (q) => "quote" + (q.speaker ? " — " + q.speaker : ""));
  add(facts.entities, "f-entity", (e) => e.kind + ": " + e.key);
  add(facts.dates, "f-date", (d) => "date: " + d.date);
  add(facts.figures, "f-figure", figureLabel);
  return marks;
}

function figureLabel(f) {
  const what = [f.counted, f.event, f.unit].filter(Boolean).join(" ");
  return "figure: " + (f.approx ? "about " : "") + f.value + (f.value_max ? "–" + f.value_max : "") +
    (what ? " " + what : "") + (f.source ? " (according to " + f.source + ")" : "");
}

// One block with the marks that fall in it: cut at every mark boundary, each piece
// wrapped in the classes of the marks that cover it.
function markedBlock(block, marks) {
  const end = block.start + block.bytes.length;
  const inside = marks.filter((m) => m.start < end && m.end > block.start);
  const cuts = new Set([block.start, end]);
  inside.forEach((m) => { cuts.add(Math.max(m.start, block.start)); cuts.add(Math.min(m.end, end)); });
  const points = [...cuts].sort((x, y) => x - y);
  const el = h("p", { class: "b-" + block.kind });
  for (let i = 0; i + 1 < points.length; i++) {
    const [s, e] = [points[i], points[i + 1]];
    const text = dec.decode(block.bytes.subarray(s - block.start, e - block.start));
    const covering = inside.filter((m) => m.start <= s && m.end >= e);
    if (!covering.length) { el.append(text); continue; }
    const classes = [...new Set(covering.map((m) => m.cls))].join(" ");
    el.append(h("mark", { class: classes, title: covering.map((m) => m.title).join("\n") }, text));
  }
  return el;
}

// Each entity key once, with a readable name: the display name the facts give it in
// its article ("Kim" for "Kims", "Rusland" for "Ruslands"), else the mention as written;
// over several articles the shortest of their names. Never the key itself.
function entityNames(entities) {
  const out = new Map();
  for (const e of entities || []) {
    const name = (e.name || e.text || e.key).trim();
    const cur = out.get(e.key);
    if (!cur || name.length < cur.name.length) out.set(e.key, { name, kind: e.kind });
  }
  return out;
}

function renderArticle(a, facts) {
  const marks = factMarks(facts);
  // Who says so, by name: the display name of the key, else the words written.
  const names = entityNames(facts.entities);
  const named = (key, written) => (key && names.has(key) ? names.get(key).name : written || key);
  const text = h("div", { class: "article-text", lang: a.lang || null }, blocks(a).map((b) => markedBlock(b, marks)));
  const figures = h("table", { class: "figures" },
    h("tr", {}, h("th", {}, "figure"), h("th", {}, "counted"), h("th", {}, "source"), h("th", {}, "sentence")),
    (facts.figures || []).map((f) => h("tr", {},
      h("td", {}, f.text), h("td", {}, [f.counted, f.event].filter(Boolean).join(" ")),
      h("td", { class: "according-to", "data-key": f.source || null }, named(f.source) || ""), h("td", {}, f.sentence))));
  const quotes = h("ul", { class: "quotes" }, (facts.quotes || []).map((q) =>
    h("li", {}, h("strong", { "data-key": q.speaker || null }, named(q.speaker, q.speaker_text) || "unnamed"), ": “", q.text, "”")));
  const entities = h("p", { class: "entities" }, [...names.entries()]
    .map(([key, e]) => h("span", { class: "entity-name", "data-key": key, title: e.kind + " · " + key }, e.name)));
  setLanguages([a.lang].filter(Boolean));
  titled(a.title || a.id);
  return h("article", { id: "article", "data-id": a.id }, printAddress(),
    h("p", { class: "meta" }, badges([a.lang]), " ", day(a.published), a.source ? " · " + a.source : "",
      a.credit ? " · credit: " + a.credit : "",
      a.url ? h("span", {}, " · ", h("a", { href: a.url, rel: "noreferrer" }, "original")) : ""),
    a.story !== null && a.story !== undefined
      ? h("p", { class: "story-link" }, "In ", h("a", { href: "#/story/" + encodeURIComponent(a.story) }, "story " + a.story),
        ": its versions side by side")
      : h("p", { class: "muted story-link" }, "Not in a story yet."),
    h("p", { class: "legend" }, h("span", { class: "f-entity" }, "entity"), h("span", { class: "f-figure" }, "figure"),
      h("span", { class: "f-quote" }, "quote"), h("span", { class: "f-date" }, "date")),
    h("div", { class: "layout" },
      text,
      h("aside", {},
        h("h2", {}, "Figures"), (facts.figures || []).length ? figures : h("p", { class: "muted" }, "none"),
        h("h2", {}, "Quotes"), (facts.quotes || []).length ? quotes : h("p", { class: "muted" }, "none"),
        h("h2", {}, "Named"), entities)));
}

async function article(id) {
  const [a, f] = await Promise.all([api("/api/articles/" + encodeURIComponent(id)),
    api("/api/articles/" + encodeURIComponent(id) + "/facts")]);
  if (!a.ok) return show(failure(a));
  if (!f.ok) return show(failure(f));
  show(renderArticle(a.body, f.body));
}

// ---- story page

// The rows of the side-by-side view, laid out as `Comparison::rows` does for the CLI:
// every shared group and every unaligned sentence is a row, placed at the mean relative
// position (sentence index / sentences in the version) of the versions it has, so the
// rows follow the articles' order. Each cell lists the version's sentences on that row.
// `cmp.shared`: [{sentences: [{article, index, span, text}]}]; `cmp.only_in`:
// {ARTICLE_ID: [{index, span, text}]}.
function comparisonRows(cmp, col) {
  const n = col.size;
  const len = new Array(n).fill(1);
  const grow = (article, index) => {
    const v = col.get(article);
    if (v !== undefined) len[v] = Math.max(len[v], index + 1);
  };
  (cmp.shared || []).forEach((g) => (g.sentences || []).forEach((s) => grow(s.article, s.index)));
  Object.entries(cmp.only_in || {}).forEach(([id, list]) => list.forEach((o) => grow(id, o.index)));
  const place = (cells) => {
    let sum = 0, k = 0;
    cells.forEach((c, v) => {
      if (c.length) { sum += Math.min(...c.map((s) => s.index)) / len[v]; k++; }
    });
    return k ? sum / k : 0;
  };
  const rows = [];
  (cmp.shared || []).forEach((g) => {
    const cells = Array.from({ length: n }, () => []);
    (g.sentences || []).forEach((s) => {
      const v = col.get(s.article);
      if (v !== undefined) cells[v].push(s);
    });
    rows.push({ shared: true, cells, place: place(cells) });
  });
  Object.entries(cmp.only_in || {}).forEach(([id, list]) => {
    const v = col.get(id);
    if (v === undefined) return;
    list.forEach((o) => {
      const cells = Array.from({ length: n }, () => []);
      cells[v].push(o);
      rows.push({ shared: false, cells, place: place(cells) });
    });
  });
  rows.forEach((r) => r.cells.forEach((c) => c.sort((a, b) => a.index - b.index)));
  return rows.sort((a, b) => a.place - b.place);
}

const RELATIONS = {
  agree: "agree",
  conflict: "conflict",
  different_measure: "different measure",
  different_source: "different source",
};

// `cmp`: {story, versions: [{article, lang, title, sources: [{article, source, url}]}],
// shared, only_in, figures: [{relation, explanation, items: [{article, value, value_max,
// text, written, approx, counted, source, sentence, index}]}], quotes: [{items: [{article, speaker, text, span, index}]}]}, as
// `/api/stories/ID/compare` answers; `story`: the story as `/api/stories/ID` answers
// (titles, languages, dates), or null.
// More chosen versions than this are shown with one version as the spine instead of a
// column each.
const MAX_COLUMNS = 6;

// The version picker: a checkbox per version of the story (language, title) and, for
// the spine layout, a radio button choosing the spine; "compare" puts the choice in
// the URL hash (`#/story/ID?versions=ID,ID&spine=ID`), which re-requests the comparison.
function renderPicker(storyId, choices, chosen, spine) {
  const items = choices.map((v) => h("li", { "data-article": v.article },
    h("label", {}, h("input", { type: "checkbox", name: "version", value: v.article, checked: chosen.has(v.article) || null }),
      " ", badges([v.lang]), " ", h("span", { class: "title" }, v.title || v.article)),
    h("label", { class: "spine-choice muted", title: "the spine of the layout for many versions" },
      h("input", { type: "radio", name: "spine", value: v.article, checked: v.article === spine || null }), " spine")));
  const boxes = () => [...form.querySelectorAll("input[name=version]")];
  const all = h("button", { type: "button", class: "pick-all" }, "all");
  const none = h("button", { type: "button", class: "pick-none" }, "none");
  const form = h("form", { class: "picker-form" },
    h("p", {}, all, " ", none, " ", h("button", { type: "submit", class: "pick-apply" }, "compare these"),
      " ", h("span", { class: "pick-count muted" })),
    h("ul", { class: "picker-list" }, items));
  const count = () => {
    form.querySelector(".pick-count").textContent = boxes().filter((b) => b.checked).length + " of " + choices.length + " chosen";
  };
  all.addEventListener("click", () => { boxes().forEach((b) => { b.checked = true; }); count(); });
  none.addEventListener("click", () => { boxes().forEach((b) => { b.checked = false; }); count(); });
  form.addEventListener("change", count);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const ids = boxes().filter((b) => b.checked).map((b) => b.value);
    const radio = form.querySelector("input[name=spine]:checked");
    location.hash = storyHash(storyId, ids.length === choices.length ? [] : ids, radio ? radio.value : null);
  });
  count();
  return h("details", { class: "picker", open: choices.length <= MAX_COLUMNS || null },
    h("summary", {}, "Versions to compare (" + chosen.size + " of " + choices.length + ")"), form);
}

// The hash of a story page with a choice of versions (none: all) and a spine.
function storyHash(id, ids, spine) {
  const q = [];
  if (ids.length) q.push("versions=" + ids.join(","));
  if (spine) q.push("spine=" + spine);
  return "#/story/" + id + (q.length ? "?" + q.join("&") : "");
}

// The rows with one version as the spine: per row the spine's sentences and, folded,
// the other versions that say the same (language badge and sentence); rows the spine
// does not have follow at their place, folded too.
function renderSpine(rows, versions, spine) {
  const list = (cells, skip) => h("ul", { class: "others-list" }, cells.flatMap((c, v) => v === skip || !c.length ? [] :
    [h("li", { "data-article": versions[v].article, lang: versions[v].lang || null }, badges([versions[v].lang]), " ",
      c.map((s) => h("span", { class: "sentence", "data-index": s.index }, s.text, " ")))]));
  return h("div", { class: "spine-view", "data-spine": versions[spine].article }, rows.map((r) => {
    const mine = r.cells[spine];
    const others = r.cells.filter((c, v) => v !== spine && c.length).length;
    const langs = [...new Set(r.cells.flatMap((c, v) => v !== spine && c.length ? [versions[v].lang] : []))];
    if (mine.length) {
      return h("div", { class: "spine-row " + (others ? "shared" : "only") },
        h("div", { class: "spine-text", lang: versions[spine].lang || null },
          mine.map((s) => h("span", { class: "sentence", "data-index": s.index }, s.text, " "))),
        others
          ? h("details", { class: "others" }, h("summary", {}, "said the same in " + others + " other version" + (others > 1 ? "s" : "") + " ", badges(langs)), list(r.cells, spine))
          : h("p", { class: "tag" }, "only in this version"));
    }
    return h("div", { class: "spine-row absent" },
      h("details", { class: "others" }, h("summary", {}, "not in this version; in " + others + " other" + (others > 1 ? "s" : "") + " ", badges(langs)), list(r.cells, spine)));
  }));
}

// Where a version comes from: the outlet, the time, a link to the original and the
// credit, as its first source gives them.
function versionMeta(v) {
  const x = (v.sources || [])[0] || {};
  const parts = [x.source, x.published ? String(x.published).replace("T", " ").replace(/:00Z$|Z$/, "") : null,
    x.credit ? "credit: " + x.credit : null].filter(Boolean);
  return h("div", { class: "version-meta meta" }, parts.join(" · "),
    x.url ? [parts.length ? " · " : "", h("a", { href: x.url, rel: "noreferrer" }, "original")] : null);
}

// Links that save the comparison as `parallax compare` writes it.
function exportLinks(storyId, versions) {
  const base = "/api/stories/" + encodeURIComponent(storyId) + "/compare?versions=" +
    encodeURIComponent(versions.map((v) => v.article).join(",")) + "&format=";
  const link = (format, label, file) => h("a", { href: base + format, download: file, "data-format": format }, label);
  return h("p", { class: "exports" }, "Save: ",
    link("markdown", "Markdown", "story-" + storyId + ".md"), " · ",
    link("csv-rows", "CSV (rows)", "story-" + storyId + "-rows.csv"), " · ",
    link("csv-figures", "CSV (figures)", "story-" + storyId + "-figures.csv"), " · ",
    link("json", "JSON", "story-" + storyId + ".json"), " · ",
    h("a", { href: location.href, class: "permalink" }, "permalink"));
}

// Why each version is in the story: a folded entry per version; opening it asks
// `/api/articles/ID/why` (the evidence of `parallax why`) and shows the verdict, the
// scores against their cuts, the names shared, and the explanation in full.
function renderWhy(versions) {
  return h("div", { class: "why-list" }, versions.map((v) => {
    const body = h("div", { class: "why-body" }, h("p", { class: "muted" }, "Loading…"));
    const d = h("details", { class: "why", "data-article": v.article },
      h("summary", {}, badges([v.lang]), " ", v.title || v.article), body);
    let asked = false;
    d.addEventListener("toggle", async () => {
      if (!d.open || asked) return;
      asked = true;
      const base = "/api/articles/" + encodeURIComponent(v.article);
      const [r, f] = await Promise.all([api(base + "/why"), api(base + "/facts")]);
      const names = entityNames(f.ok ? f.body.entities : []);
      body.replaceChildren(...(r.ok ? whyParts(r.body, names).filter(Boolean) : [failure(r)]));
    });
    return d;
  }));
}

function num(x) {
  return typeof x === "number" ? x.toFixed(3) : "–";
}

// `names`: the readable names of the article's entity keys (entityNames).
function whyParts(w, names) {
  const e = w.evidence || {};
  const b = e.best;
  const verdict = (e.new_story ? "Started story " : "Joined story ") + e.story +
    (w.story !== e.story ? " (since merged into story " + w.story + ")" : "");
  const facts = [];
  if (b) facts.push("closest story " + b.story + ": same-story score " + num(b.score) + " (cut " + num(e.same_story_threshold) + ")");
  if (e.join_probability !== null && e.join_probability !== undefined) {
    facts.push("join probability " + num(e.join_probability) + " (cut " + num(e.join_threshold) + ")");
  }
  if (e.runner_up) facts.push("runner-up story " + e.runner_up.story + ": " + num(e.runner_up.score));
  const shared = b && b.features && b.features.shared_names ? b.features.shared_names : [];
  return [
    h("p", { class: "why-verdict" }, h("strong", {}, verdict), facts.length ? " · " + facts.join(" · ") : ""),
    shared.length ? h("p", { class: "why-names" }, "names shared with the story: ", shared.flatMap((k, i) => [i ? ", " : "",
      h("span", { class: "entity-name", "data-key": k, title: k }, names.has(k) ? names.get(k).name : k)])) : null,
    h("pre", { class: "why-text" }, w.explanation || ""),
  ];
}

// The readable names of the entity keys of the versions (entityNames over the facts of
// each): `by` per article, `all` over every version, for quote speakers and the
// "according to" column.
async function versionNames(versions) {
  const all = await Promise.all(versions.map((v) => api("/api/articles/" + encodeURIComponent(v.article) + "/facts")));
  const by = new Map();
  all.forEach((r, i) => { if (r.ok) by.set(versions[i].article, entityNames(r.body.entities)); });
  return { by, all: entityNames(all.filter((r) => r.ok).flatMap((r) => r.body.entities || [])) };
}

// `names`: as versionNames; a key is named as its own version writes it, else as
// another version does, else shown as it is.
function renderComparison(cmp, story, spineId, names) {
  const nameOf = (k, article) => {
    if (!k || !names) return k;
    for (const m of [names.by.get(article), names.all]) {
      const n = m && (m.get(k) || m.get(String(k).toLowerCase()));
      if (n) return n.name;
    }
    return k;
  };
  const versions = cmp.versions || [];
  const col = new Map(versions.map((v, i) => [v.article, i]));
  const langOf = new Map(versions.map((v) => [v.article, v.lang]));
  const title = story ? storyTitle(story, readerLang()) : (versions[0] && versions[0].title) || String(cmp.story);
  const head = h("tr", {}, versions.map((v) => h("th", { "data-article": v.article, lang: v.lang || null },
    badges([v.lang]), " ", h("a", { href: "#/article/" + encodeURIComponent(v.article) }, v.title || v.article),
    versionMeta(v),
    (v.sources || []).length > 1
      ? h("div", { class: "sources muted", "data-sources": v.sources.length }, "one text in " + v.sources.length + " articles: ",
          v.sources.map((x) => [h("a", { href: "#/article/" + encodeURIComponent(x.article) }, x.source || x.article.slice(0, 8)), " "]))
      : null)));
  const rowList = comparisonRows(cmp, col);
  const spine = Math.max(0, versions.findIndex((v) => v.article === spineId));
  const many = versions.length > MAX_COLUMNS;
  const rows = many ? [] : rowList.map((r) => h("tr", { class: r.shared ? "shared" : "only" },
    r.cells.map((c, v) => {
      const lang = versions[v].lang || null;
      if (!c.length) return h("td", { class: "empty", lang }, r.shared ? "" : "—");
      const text = c.map((s) => h("span", { class: "sentence", "data-index": s.index }, s.text, " "));
      return r.shared
        ? h("td", { class: "aligned", lang }, text)
        : h("td", { class: "unaligned", lang }, h("span", { class: "tag" }, "only in this version"), text);
    })));
  const figures = h("table", { class: "figure-table" },
    h("tr", {}, h("th", {}, "relation"), h("th", {}, "version"), h("th", {}, "as written"), h("th", {}, "value"),
      h("th", {}, "counted"), h("th", {}, "according to"), h("th", {}, "sentence")),
    (cmp.figures || []).flatMap((g, gi) => [h("tr", { class: "explanation " + g.relation, "data-explains": gi },
      h("td", { colspan: 7 }, g.explanation || ""))].concat((g.items || []).map((it, k) => h("tr", { class: g.relation, "data-relation": g.relation, "data-group": gi },
      k === 0 ? h("td", { class: "relation", rowspan: g.items.length }, RELATIONS[g.relation] || g.relation) : null,
      h("td", {}, badges([langOf.get(it.article)])),
      h("td", { class: "as-written" }, it.text || ""),
      h("td", { class: "value", "data-value": it.value }, it.written || String(it.value)),
      h("td", {}, it.counted || ""), h("td", { class: "according-to", "data-key": it.source || null }, nameOf(it.source, it.article) || ""),
      h("td", { lang: langOf.get(it.article) || null }, it.sentence || ""))))));
  const quotes = h("ul", { class: "quotes" }, (cmp.quotes || []).map((g) => {
    const items = g.items || [];
    const speakers = [...new Set(items.map((q) => q.speaker).filter(Boolean))];
    const named = [...new Set(speakers.map((k) => nameOf(k, (items.find((q) => q.speaker === k) || {}).article)))];
    return h("li", { class: "quote-group", "data-versions": items.length },
      h("strong", { "data-keys": speakers.join(",") }, speakers.length ? named.join(", ") : "unnamed"),
      items.length > 1 ? h("span", { class: "muted" }, " · the same quote in " + items.length + " versions") : null,
      items.map((q) => h("div", { class: "quote", lang: langOf.get(q.article) || null },
        badges([langOf.get(q.article)]), " “", q.text, "”")));
  }));
  const span = story ? [day(story.first_seen), day(story.last_seen)].filter(Boolean) : [];
  const choices = cmp.story_versions || versions;
  const chosen = new Set(versions.map((v) => v.article));
  const langs = [...new Set(versions.map((v) => v.lang))];
  setLanguages(story ? story.languages || langs : langs);
  titled(title);
  return h("section", { id: "story", "data-id": story ? story.id : "" },
    h("h1", {}, title), printAddress(),
    h("p", { class: "meta" }, badges(langs), " ", versions.length, " versions",
      choices.length > versions.length ? " of " + choices.length : "",
      span.length ? " · " + [...new Set(span)].join(" – ") : ""),
    story ? renderPicker(story.id, choices, chosen, versions[spine] ? versions[spine].article : null) : null,
    story ? exportLinks(story.id, versions) : null,
    h("h2", {}, many ? "Versions along " + (versions[spine].title || versions[spine].article) : "Versions side by side"),
    many
      ? h("p", { class: "legend" }, "Each row is a passage of the spine version (", badges([versions[spine].lang]),
        "); open a row for the other versions that say the same.")
      : h("p", { class: "legend" }, h("span", { class: "aligned" }, "said in several versions"),
        h("span", { class: "unaligned" }, "only in one version")),
    many ? renderSpine(rowList, versions, spine) : h("div", { class: "wide" }, h("table", { class: "versions" }, head, rows)),
    h("h2", {}, "Why these versions are one story"),
    renderWhy(versions),
    h("h2", {}, "Figures"),
    (cmp.figures || []).length ? h("div", { class: "wide" }, figures) : h("p", { class: "muted" }, "no figures to compare"),
    h("h2", {}, "Quotes"),
    (cmp.quotes || []).length ? quotes : h("p", { class: "muted" }, "no quotes"));
}

// A story with a single article, or one the server cannot compare (no model): its
// header and its articles.
function renderStoryOnly(story, why) {
  setLanguages(story.languages || []);
  titled(storyTitle(story, readerLang()));
  return h("section", { id: "story", "data-id": story.id },
    h("h1", {}, storyTitle(story, readerLang())),
    h("p", { class: "meta" }, badges(story.languages), " ", story.n_articles,
      story.n_articles === 1 ? " article" : " articles", " · ", day(story.first_seen)),
    h("p", { class: "muted" }, why),
    h("ul", { class: "list" }, (story.articles || []).map((id) =>
      h("li", {}, h("a", { href: "#/article/" + encodeURIComponent(id) }, id)))));
}

// `id` and the fragment's query: `versions=ID,ID&spine=ID` (the permalink of a choice).
async function storyPage(id, params) {
  const s = await api("/api/stories/" + encodeURIComponent(id));
  if (!s.ok) return show(failure(s));
  if (s.body.n_articles < 2) return show(renderStoryOnly(s.body, "One version: nothing to compare yet."));
  const versions = params.get("versions");
  const r = await api("/api/stories/" + encodeURIComponent(id) + "/compare" +
    (versions ? "?versions=" + encodeURIComponent(versions) : ""));
  if (!r.ok) return show(renderStoryOnly(s.body, r.body && r.body.error ? r.body.error : "HTTP " + r.status));
  show(renderComparison(r.body, s.body, params.get("spine"), await versionNames(r.body.versions || [])));
}

// ---- routing

// The fragment: the page, its argument (decoded) and the query after "?" (filters, a
// choice of versions), split before decoding so that an encoded "?" or "/" in a search
// stays in it.
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const at = raw.indexOf("?");
  const path = at < 0 ? raw : raw.slice(0, at);
  const params = new URLSearchParams(at < 0 ? "" : raw.slice(at + 1));
  const [page, ...rest] = path.split("/").map(decodeURIComponent);
  return { page, arg: rest.join("/"), params };
}

async function route() {
  show(h("p", { class: "muted" }, "Loading…"));
  try {
    const { page, arg, params } = parseHash();
    if (page === "search" && arg) await search(arg);
    else if (page === "article" && arg) await article(arg);
    else if (page === "story" && arg) await storyPage(arg, params);
    else if (page === "stories") await storyList(arg, params);
    else if (page === "articles") await articleList(arg, params);
    else await storyList(0, params);
  } catch (e) {
    show(h("p", { class: "error" }, String(e)));
  }
}

document.getElementById("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const q = document.getElementById("search").value.trim();
  if (q) location.hash = "#/search/" + encodeURIComponent(q);
});

window.addEventListener("hashchange", route);
route();
