/*
 * GCA: "Descargar lote" — one ZIP with the certificates and the attendance workbooks of many courses, to
 * close a course's liquidation with the company and its OTIC.
 *
 * Where it is offered: under the search results (the courses of the whole result, every page, up to 500),
 * on a course's screen (that course), and to SENCE's Dirección Regional in a block of its own (the course
 * codes typed; the certificates of its region's courses). POST /api/bundles {course_codes} answers 202
 * {bundle_id}; the panel #lote then asks GET /api/bundles/<id> every few seconds and shows the progress
 * (a bar and "n de N cursos" in words) until the link to the ZIP comes, or the reason it failed.
 *
 * courses.js tells this file about a search with the `gca:resultados` event; the rest comes from the
 * shell's `gca:inicio`. Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const MAX_COURSES = 500;
  const PAGE_SIZE = 100; // the largest page the search gives
  const POLL_MS = 1500;

  const MESSAGES = {
    collecting: "Reuniendo los cursos del resultado…",
    asking: "Solicitando el lote…",
    queued: "El lote está en cola; comenzará en un momento.",
    running: (done, total) => `Preparando el lote: ${done} de ${total} ${total === 1 ? "curso" : "cursos"}.`,
    done: (total) => `El lote está listo: ${total} ${total === 1 ? "curso" : "cursos"}.`,
    failed: "No fue posible preparar el lote.",
    tooMany: (total) =>
      `El resultado tiene ${total} cursos; un lote admite hasta ${MAX_COURSES}. Acote la búsqueda (por ejemplo, por fechas).`,
    none: "No hay cursos en el resultado.",
    searchFailed: "No fue posible reunir los cursos del resultado.",
    typeCodes: "Ingrese al menos un código de curso.",
    badCode: (code) => `«${code}» no es un código de curso (7 dígitos, ejemplo: 5115263).`,
    describeSearch: (total) => `Los ${total} ${total === 1 ? "curso" : "cursos"} del resultado de la búsqueda.`,
    describeCourse: (code) => `El curso ${code}: sus certificados y su asistencia.`,
    describeOfficer: (total) => `Los certificados de ${total} ${total === 1 ? "curso" : "cursos"}.`,
    progressLabel: (done, total) => `Avance del lote: ${done} de ${total} cursos`,
  };
  const PANEL_SUMMARY = { summary: "errores-lote", inputs: [] };
  const OFFICER_FORM = { summary: "errores-lote-oficina", inputs: ["lote-cursos"] };

  const view = { generation: 0, principal: null, search: null, polling: null, bundle: 0 };

  const byId = (id) => document.getElementById(id);
  const { element, setStatus, setBusy, isBusy, failure, showErrors, clearErrors, isOfficer, isTrainingBody, api } =
    window.GCA;

  // ------------------------------------------------------------------ the panel

  function stopPolling() {
    window.clearTimeout(view.polling);
    view.polling = null;
    view.bundle += 1; // an answer still on its way belongs to no bundle now
  }

  function resetPanel(after, description) {
    stopPolling();
    const panel = byId("lote");
    after.after(panel); // under the button that asked for it
    clearErrors(PANEL_SUMMARY);
    byId("lote-descripcion").textContent = description;
    byId("lote-avance").hidden = true;
    byId("lote-listo").hidden = true;
    byId("lote-nota").hidden = true;
    setStatus("lote-estado", "");
    panel.hidden = false;
  }

  function hidePanel() {
    stopPolling();
    byId("lote").hidden = true;
  }

  function panelProblem(message) {
    setStatus("lote-estado", MESSAGES.failed, "error");
    showErrors(PANEL_SUMMARY, [{ input: "lote-titulo", message, inline: false }]);
  }

  function showProgress(done, total) {
    const bar = byId("lote-barra");
    bar.max = Math.max(1, total);
    bar.value = Math.min(done, total);
    bar.setAttribute("aria-valuetext", MESSAGES.progressLabel(done, total));
    byId("lote-avance").hidden = false;
  }

  async function follow(bundleId, token) {
    if (token !== view.bundle) return;
    const result = await api("GET", `/api/bundles/${encodeURIComponent(bundleId)}`);
    if (token !== view.bundle) return;
    if (result.status !== 200 || !result.data || !result.data.status) {
      const message = failure(result);
      if (message !== null) panelProblem(message);
      return;
    }
    const { status, done_courses: done, total_courses: total, url, filename, error } = result.data;
    showProgress(done, total);
    if (status === "done" && url) {
      setStatus("lote-estado", MESSAGES.done(total));
      const link = byId("lote-enlace");
      link.href = url;
      link.textContent = `Descargar ZIP (${filename || "lote.zip"})`;
      link.setAttribute("download", filename || "lote.zip");
      byId("lote-listo").hidden = false;
      byId("lote-nota").hidden = false;
      return;
    }
    if (status === "failed") {
      panelProblem(error || MESSAGES.failed);
      return;
    }
    setStatus("lote-estado", status === "queued" ? MESSAGES.queued : MESSAGES.running(done, total));
    view.polling = window.setTimeout(() => follow(bundleId, token), POLL_MS);
  }

  /** POST the bundle, then follow it in the panel. */
  async function ask(codes, button, description) {
    resetPanel(button.closest(".button-group") || button, description);
    setStatus("lote-estado", MESSAGES.asking);
    setBusy(button, true);
    const generation = view.generation;
    const result = await api("POST", "/api/bundles", { body: { course_codes: codes } });
    setBusy(button, false);
    if (generation !== view.generation) return false;
    if (result.status !== 202 || !result.data || !result.data.bundle_id) {
      const message = failure(result);
      if (message !== null) panelProblem(message);
      return false;
    }
    setStatus("lote-estado", MESSAGES.queued);
    showProgress(0, codes.length);
    follow(result.data.bundle_id, view.bundle);
    return true;
  }

  // ------------------------------------------------------------------ from the search results

  /** Every course code of the search's result, page by page (or cursor by cursor), at most MAX_COURSES. */
  async function resultCodes(search) {
    const codes = [];
    let page = 1;
    let cursor = null;
    for (;;) {
      const query = new URLSearchParams(search.query);
      query.set("page_size", String(PAGE_SIZE));
      if (cursor) query.set("cursor", cursor);
      else query.set("page", String(page));
      const result = await api("GET", `/api/courses?${query}`);
      if (result.status !== 200 || !result.data || !Array.isArray(result.data.items)) return { result };
      codes.push(...result.data.items.map((item) => item.course_code));
      const total = Number(result.data.total) || codes.length;
      if (codes.length >= total || !result.data.items.length) return { codes };
      cursor = result.data.next_cursor || null;
      page += 1;
    }
  }

  async function bundleResults(event) {
    const button = event.currentTarget;
    if (isBusy(button) || !view.search) return;
    const { total } = view.search;
    if (total > MAX_COURSES) {
      resetPanel(button.closest(".button-group"), "");
      panelProblem(MESSAGES.tooMany(total));
      return;
    }
    resetPanel(button.closest(".button-group"), MESSAGES.describeSearch(total));
    setStatus("lote-estado", MESSAGES.collecting);
    setBusy(button, true);
    const generation = view.generation;
    const collected = await resultCodes(view.search);
    setBusy(button, false);
    if (generation !== view.generation) return;
    if (!collected.codes) {
      const message = failure(collected.result);
      if (message !== null) panelProblem(`${MESSAGES.searchFailed} ${message}`);
      return;
    }
    const codes = [...new Set(collected.codes)];
    if (!codes.length) {
      panelProblem(MESSAGES.none);
      return;
    }
    ask(codes, button, MESSAGES.describeSearch(codes.length));
  }

  function resultsButton() {
    let button = byId("boton-lote-cursos");
    if (!button) {
      button = element("button", "button button--secondary", "Descargar lote");
      button.type = "button";
      button.id = "boton-lote-cursos";
      button.addEventListener("click", bundleResults);
      const exporter = byId("boton-exportar-cursos");
      exporter.after(button);
    }
    return button;
  }

  function onResults(event) {
    const { query, total } = event.detail || {};
    view.search = { query: new URLSearchParams(query), total: Number(total) || 0 };
    const button = resultsButton();
    button.hidden = !view.search.total;
    if (!byId("lote").hidden && byId("resultados-cursos").contains(byId("lote"))) hidePanel();
  }

  // ------------------------------------------------------------------ from a course

  function courseButton() {
    let button = byId("boton-lote-curso");
    if (!button) {
      button = element("button", "button button--secondary", "Descargar lote");
      button.type = "button";
      button.id = "boton-lote-curso";
      button.addEventListener("click", (event) => {
        const code = view.courseCode;
        if (code && !isBusy(event.currentTarget)) ask([code], event.currentTarget, MESSAGES.describeCourse(code));
      });
      byId("boton-asistencia-total").after(button);
    }
    return button;
  }

  // ------------------------------------------------------------------ the officer's block

  function submitOfficer(event) {
    event.preventDefault();
    const button = byId("boton-lote-oficina");
    if (isBusy(button)) return;
    const typed = byId("lote-cursos").value.split(/[\s,;]+/).filter(Boolean);
    const wrong = typed.find((code) => !/^\d{7}$/.test(code));
    let problem = null;
    if (!typed.length) problem = MESSAGES.typeCodes;
    else if (wrong) problem = MESSAGES.badCode(wrong);
    else if (new Set(typed).size > MAX_COURSES) problem = MESSAGES.tooMany(new Set(typed).size);
    if (problem) {
      showErrors(OFFICER_FORM, [{ input: "lote-cursos", message: problem }]);
      return;
    }
    clearErrors(OFFICER_FORM);
    const codes = [...new Set(typed)];
    ask(codes, button, MESSAGES.describeOfficer(codes.length));
  }

  // ------------------------------------------------------------------ screens

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    view.principal = principal || null;
    view.courseCode = null;
    hidePanel();
    byId("lote").hidden = true;
    byId("vista-lote-oficina").hidden = true;
    if (!route) return;
    if (isTrainingBody(principal)) {
      if (route.name === "course") {
        view.courseCode = route.courseCode;
        courseButton().hidden = false;
      }
      if (route.name !== "home") view.search = null;
    } else if (isOfficer(principal) && route.name === "home") {
      byId("vista-lote-oficina").hidden = false;
    }
  }

  function start() {
    byId("form-lote-oficina").addEventListener("submit", submitOfficer);
  }

  document.addEventListener("gca:inicio", onHome);
  document.addEventListener("gca:resultados", onResults);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
