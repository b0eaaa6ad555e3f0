/*
 * GCA for SENCE's Dirección Regional: the desk — "Solicitudes de anulación" (the pending requests of the
 * officer's region, under a header with how many wait, the oldest's age and the median time to decide),
 * the requests decided in the last 90 days (by outcome and OTEC) — and the review of one request
 * (#/solicitud/<id>) with Aprobar / Rechazar.
 *
 * The choice is confirmed on the page itself (no window.confirm); after the decision the inbox comes
 * back with the outcome at the top. Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const REASON_PREVIEW = 140; // characters of the reason shown in the inbox; the review shows it whole

  const DECISIONS = {
    approve: {
      title: "¿Aprobar la solicitud de anulación?",
      text: (number) =>
        `El certificado N° ${number} quedará ANULADO y la OTEC podrá emitir un nuevo certificado para el curso. ` +
        "Esta decisión no se puede deshacer.",
      confirm: "Sí, aprobar",
      done: (number) => `Solicitud aprobada: el certificado N° ${number} quedó anulado y la OTEC puede volver a emitirlo.`,
    },
    reject: {
      title: "¿Rechazar la solicitud de anulación?",
      text: (number) =>
        `El certificado N° ${number} seguirá vigente y la OTEC no podrá volver a emitirlo. ` +
        "Esta decisión no se puede deshacer.",
      confirm: "Sí, rechazar",
      done: (number) => `Solicitud rechazada: el certificado N° ${number} sigue vigente.`,
    },
  };
  const STATUS = { PENDING: "Pendiente", APPROVED: "Aprobada", REJECTED: "Rechazada" };
  const MESSAGES = {
    empty: "No hay solicitudes pendientes.",
    noDecided: "No hay solicitudes resueltas en los últimos 90 días.",
    noDecidedFiltered: "Ninguna solicitud resuelta en los últimos 90 días cumple el filtro elegido.",
    noneWaiting: "Ninguna espera",
    noMedian: "Sin resoluciones",
    deciding: "Registrando la resolución…",
  };
  const DECISION_FORM = { summary: "errores-solicitud", inputs: ["comentario"] };

  const view = { generation: 0, principal: null, request: null, decision: null, decidedRequests: 0 };

  const byId = (id) => document.getElementById(id);
  const {
    element,
    cell,
    fact,
    setCaption,
    fillCardTable,
    percentCell,
    slashDay,
    nameWithRut,
    setStatus,
    setBusyDisabled,
    failure,
    load,
    showProblem,
    showErrors,
    clearErrors,
    isOfficer,
    regionNames,
    api,
    go,
  } = window.GCA;

  // ------------------------------------------------------------------ small helpers

  /** 2017-04-07T12:49:00-03:00 → 07/04/2017 12:49 (the API already gives Chile's local time). */
  function dayTime(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]} ${match[4]}:${match[5]}` : "";
  }

  function twoLines(first, second) {
    const wrapper = element("span", null, first);
    if (second) wrapper.append(element("span", "cell__secondary", second));
    return wrapper;
  }

  function shortened(text) {
    const characters = [...String(text || "")];
    return characters.length > REASON_PREVIEW ? `${characters.slice(0, REASON_PREVIEW).join("").trimEnd()}…` : text;
  }

  /** A span of time in words: "3 días y 4 horas", "5 horas y 20 minutos", "12 minutos", "menos de 1 minuto". */
  function span(seconds) {
    const total = Math.max(0, Math.floor(Number(seconds) || 0));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const unit = (n, one, many) => `${n.toLocaleString("es-CL")} ${n === 1 ? one : many}`;
    if (days) return hours ? `${unit(days, "día", "días")} y ${unit(hours, "hora", "horas")}` : unit(days, "día", "días");
    if (hours) return minutes ? `${unit(hours, "hora", "horas")} y ${unit(minutes, "minuto", "minutos")}` : unit(hours, "hora", "horas");
    return minutes ? unit(minutes, "minuto", "minutos") : "menos de 1 minuto";
  }

  // ------------------------------------------------------------------ the desk's header

  function renderFigures(figures) {
    const section = byId("bandeja-cifras");
    if (!figures) {
      section.hidden = true;
      return;
    }
    byId("cifra-pendientes").textContent = String(figures.pending);
    const oldest = byId("cifra-antigua");
    oldest.replaceChildren();
    if (figures.oldest_pending_seconds === null || figures.oldest_pending_seconds === undefined) {
      oldest.textContent = MESSAGES.noneWaiting;
    } else {
      oldest.append(
        document.createTextNode(span(figures.oldest_pending_seconds)),
        element("span", "figures__detail", `desde el ${dayTime(figures.oldest_pending_at)}`),
      );
    }
    const median = byId("cifra-mediana");
    median.replaceChildren();
    if (figures.median_decision_seconds === null || figures.median_decision_seconds === undefined) {
      median.textContent = MESSAGES.noMedian;
    } else {
      const count = figures.decided === 1 ? "1 solicitud resuelta" : `${figures.decided} solicitudes resueltas`;
      median.append(document.createTextNode(span(figures.median_decision_seconds)), element("span", "figures__detail", count));
    }
    section.hidden = false;
  }

  // ------------------------------------------------------------------ Solicitudes resueltas (últimos 90 días)

  const OUTCOME_TAGS = { APPROVED: "approved", REJECTED: "rejected" };

  function decidedRow(item) {
    const row = element("tr");
    const open = element("a", "link", "Ver");
    open.href = `#/solicitud/${encodeURIComponent(item.request_id)}`;
    open.append(element("span", "visually-hidden", ` la solicitud del certificado N° ${item.certificate_number}`));
    const institution = item.institution || {};
    const course = element("span", null, item.course_code);
    if (item.course_name) course.append(element("span", "cell__detail", item.course_name));
    const outcome = element("strong", `tag tag--${OUTCOME_TAGS[item.status] || "pending"}`, STATUS[item.status] || item.status);
    const decided = element("span", null, dayTime(item.decided_at));
    if (item.decided_by) decided.append(element("span", "cell__secondary", item.decided_by.name));
    const took = (Date.parse(item.decided_at) - Date.parse(item.requested_at)) / 1000;
    row.append(
      cell(item.certificate_number, "nowrap strong"),
      cell(course),
      cell(twoLines(institution.name, institution.rut)),
      cell(outcome, "nowrap"),
      cell(decided, "nowrap"),
      cell(Number.isFinite(took) ? span(took) : "", "nowrap"),
      cell(open, "nowrap cell--action"),
    );
    return row;
  }

  function fillInstitutions(institutions) {
    const select = byId("resueltas-otec");
    const chosen = select.value;
    const options = [element("option", null, "Todas")];
    options[0].value = "";
    for (const party of institutions) {
      const option = element("option", null, `${party.name} (${party.rut})`);
      option.value = party.rut;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.value = institutions.some((party) => party.rut === chosen) ? chosen : "";
  }

  async function showDecided() {
    const generation = view.generation;
    const request = ++view.decidedRequests;
    const wrapper = byId("resueltas-tabla-contenedor");
    const outcome = byId("resueltas-resultado").value;
    const otec = byId("resueltas-otec").value;
    const query = new URLSearchParams();
    if (outcome) query.set("outcome", outcome);
    if (otec) query.set("otec", otec);
    const path = `/api/annulments/decided${query.toString() ? `?${query}` : ""}`;
    const isCurrent = () => generation === view.generation && request === view.decidedRequests;
    const data = await load(path, "resueltas-estado", isCurrent, (answer) => Array.isArray(answer.items));
    if (!data) {
      wrapper.hidden = true;
      return;
    }
    fillInstitutions(Array.isArray(data.institutions) ? data.institutions : []);
    if (!data.items.length) {
      wrapper.hidden = true;
      byId("tabla-resueltas").tBodies[0].replaceChildren();
      setStatus("resueltas-estado", outcome || otec ? MESSAGES.noDecidedFiltered : MESSAGES.noDecided, "empty");
      return;
    }
    setStatus("resueltas-estado", "");
    const otecSelect = byId("resueltas-otec");
    const otecName = otec && otecSelect.selectedIndex > 0 ? otecSelect.options[otecSelect.selectedIndex].textContent : otec;
    const filtered = [outcome && (outcome === "aprobada" ? "aprobadas" : "rechazadas"), otecName].filter(Boolean);
    setCaption(
      "tabla-resueltas-leyenda",
      `Solicitudes resueltas — ${regionNames(view.principal)}`,
      `${data.items.length === 1 ? "1 solicitud" : `${data.items.length} solicitudes`}, la más reciente primero` +
        (filtered.length ? ` (${filtered.join(", ")})` : ""),
    );
    fillCardTable(byId("tabla-resueltas"), data.items.map(decidedRow));
    wrapper.hidden = false;
  }

  // ------------------------------------------------------------------ Solicitudes de anulación (inbox)

  function inboxRow(item) {
    const row = element("tr");
    const review = element("a", "link", "Revisar");
    review.href = `#/solicitud/${encodeURIComponent(item.request_id)}`;
    review.append(element("span", "visually-hidden", ` la solicitud del certificado N° ${item.certificate_number}`));
    const institution = item.institution || {};
    const requester = item.requested_by || {};
    const course = element("span", null, item.course_code);
    if (item.course_name) course.append(element("span", "cell__detail", item.course_name));
    row.append(
      cell(item.certificate_number, "nowrap strong"),
      cell(course),
      cell(twoLines(institution.name, institution.rut)),
      cell(twoLines(requester.name, requester.rut)),
      cell(dayTime(item.requested_at), "nowrap"),
      cell(shortened(item.reason), "cell--reason"),
      cell(review, "nowrap cell--action"),
    );
    return row;
  }

  async function showInbox() {
    const generation = view.generation;
    byId("vista-bandeja").hidden = false;
    const wrapper = byId("bandeja-tabla-contenedor");
    wrapper.hidden = true;
    const isCurrent = () => generation === view.generation;
    showDecided();
    const data = await load("/api/annulments", "bandeja-estado", isCurrent, (answer) => Array.isArray(answer.items));
    if (!data) return;
    renderFigures(data.figures);
    const pending = data.items.filter((item) => !item.status || item.status === "PENDING");
    if (!pending.length) {
      byId("tabla-bandeja").tBodies[0].replaceChildren();
      setStatus("bandeja-estado", MESSAGES.empty, "empty");
      return;
    }
    setStatus("bandeja-estado", "");
    setCaption(
      "tabla-bandeja-leyenda",
      `Solicitudes pendientes — ${regionNames(view.principal)}`,
      pending.length === 1
        ? "1 solicitud, la más antigua primero"
        : `${pending.length} solicitudes, las más antiguas primero`,
    );
    fillCardTable(byId("tabla-bandeja"), pending.map(inboxRow));
    wrapper.hidden = false;
  }

  // ------------------------------------------------------------------ one request

  function renderRequest(request) {
    const list = byId("datos-solicitud-lista");
    list.replaceChildren();
    const institution = request.institution || {};
    fact(list, "N° de certificado", request.certificate_number);
    fact(list, "Curso", `${request.course_code} — ${request.course_name || ""}`);
    fact(list, "OTEC", institution.name ? `${institution.name} (${institution.rut})` : "");
    fact(list, "Solicitado por", nameWithRut(request.requested_by));
    fact(list, "Fecha de solicitud", dayTime(request.requested_at));
    fact(list, "Estado de la solicitud", STATUS[request.status] || request.status);
    byId("solicitud-motivo").textContent = request.reason || "";

    const certificate = request.certificate || {};
    const data = byId("datos-certificado-lista");
    data.replaceChildren();
    fact(data, "Nro Certificado", certificate.number || request.certificate_number);
    fact(data, "Fecha Emisión", slashDay(certificate.issued_at));
    fact(data, "N° de factura", certificate.invoice_number);
    fact(data, "Aceptado por", nameWithRut(certificate.accepted_by));
    const participants = Array.isArray(certificate.participants) ? certificate.participants : [];
    byId("tabla-solicitud").tBodies[0].replaceChildren(
      ...participants.map((participant) => {
        const row = element("tr");
        row.append(cell(participant.rut, "nowrap"), cell(participant.name), percentCell(participant.percent));
        return row;
      }),
    );
    byId("solicitud-tabla-contenedor").hidden = !participants.length;

    const pending = request.status === "PENDING";
    byId("form-decision").hidden = !pending;
    const resolved = byId("solicitud-resuelta");
    resolved.hidden = pending;
    if (!pending) {
      const by = request.decided_by ? ` por ${request.decided_by.name}` : "";
      const comment = request.decision_comment ? ` Comentario: «${request.decision_comment}».` : "";
      resolved.textContent =
        `Esta solicitud ya fue resuelta: ${(STATUS[request.status] || request.status).toLowerCase()} el ` +
        `${dayTime(request.decided_at)}${by}.${comment}`;
    }
  }

  function showChoice(decision) {
    view.decision = decision;
    const choice = decision ? DECISIONS[decision] : null;
    byId("decision-botones").hidden = Boolean(choice);
    const panel = byId("decision-confirmar");
    panel.hidden = !choice;
    panel.classList.toggle("confirm--reject", decision === "reject");
    if (!choice) return;
    const number = view.request ? view.request.certificate_number : "";
    byId("decision-confirmar-titulo").textContent = choice.title;
    byId("decision-confirmar-texto").textContent = choice.text(number);
    const confirm = byId("boton-confirmar-decision");
    confirm.textContent = choice.confirm;
    confirm.classList.toggle("button--warning", decision === "reject");
    setBusyDisabled(confirm, false);
    panel.focus();
  }

  function cancelChoice() {
    const decision = view.decision;
    showChoice(null);
    byId(decision === "reject" ? "boton-rechazar" : "boton-aprobar").focus();
  }

  async function showRequest(requestId) {
    const generation = view.generation;
    byId("vista-solicitud").hidden = false;
    byId("solicitud-cuerpo").hidden = true;
    clearErrors(DECISION_FORM);
    setStatus("decision-estado", "");
    const path = `/api/annulments/${encodeURIComponent(requestId)}`;
    const request = await load(path, "solicitud-estado", () => generation === view.generation);
    if (!request) return;
    setStatus("solicitud-estado", "");
    view.request = request;
    byId("comentario").value = "";
    renderRequest(request);
    showChoice(null);
    byId("solicitud-cuerpo").hidden = false;
  }

  async function confirmDecision() {
    const button = byId("boton-confirmar-decision");
    const request = view.request;
    const decision = view.decision;
    if (button.disabled || !request || !DECISIONS[decision]) return;
    clearErrors(DECISION_FORM);
    setBusyDisabled(button, true);
    byId("boton-cancelar-decision").disabled = true;
    setStatus("decision-estado", MESSAGES.deciding);
    const generation = view.generation;
    const comment = byId("comentario").value.trim();
    const result = await api("POST", `/api/annulments/${encodeURIComponent(request.request_id)}/decision`, {
      body: comment ? { decision, comment } : { decision },
    });
    byId("boton-cancelar-decision").disabled = false;
    setStatus("decision-estado", "");
    if (result.status === 200) {
      go("#/inicio", DECISIONS[decision].done(request.certificate_number));
      return;
    }
    setBusyDisabled(button, false);
    if (generation !== view.generation) return;
    const message = failure(result);
    if (message === null) return;
    const field = result.data && result.data.error ? result.data.error.field : null;
    if (result.status === 400 && field === "comment") {
      showChoice(null);
      showErrors(DECISION_FORM, [{ input: "comentario", message }]);
      return;
    }
    // Decided meanwhile (by the emailed link or a colleague), or no longer visible: show it as it is now.
    const back = { href: "#/inicio", text: "Volver a las solicitudes" };
    showProblem(DECISION_FORM, message, back, { focus: false });
    if (result.status === 409) {
      const refreshed = await api("GET", `/api/annulments/${encodeURIComponent(request.request_id)}`);
      if (generation === view.generation && refreshed.status === 200 && refreshed.data) {
        view.request = refreshed.data;
        renderRequest(refreshed.data);
      }
    }
    showChoice(null);
    byId(DECISION_FORM.summary).focus();
  }

  // ------------------------------------------------------------------ screens

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    view.principal = principal || null;
    view.request = null;
    view.decision = null;
    byId("vista-bandeja").hidden = true;
    byId("vista-solicitud").hidden = true;
    byId("bandeja-cifras").hidden = true;
    if (!isOfficer(principal) || !route) return;
    if (route.name === "request") {
      const back = byId("volver");
      back.href = "#/inicio";
      back.hidden = false;
      showRequest(route.requestId);
    } else if (route.name === "home") {
      showInbox();
    }
  }

  function start() {
    byId("form-resueltas").addEventListener("submit", (event) => {
      event.preventDefault();
      showDecided();
    });
    byId("resueltas-resultado").addEventListener("change", showDecided);
    byId("resueltas-otec").addEventListener("change", showDecided);
    byId("form-decision").addEventListener("submit", (event) => event.preventDefault());
    byId("boton-aprobar").addEventListener("click", () => showChoice("approve"));
    byId("boton-rechazar").addEventListener("click", () => showChoice("reject"));
    byId("boton-cancelar-decision").addEventListener("click", cancelChoice);
    byId("boton-confirmar-decision").addEventListener("click", confirmDecision);
  }

  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
