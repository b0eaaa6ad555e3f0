/*
 * GCA for SENCE's Dirección Regional: "Solicitudes de anulación" (the pending requests of the
 * officer's region) and the review of one request (#/solicitud/<id>) with Aprobar / Rechazar.
 *
 * The choice is confirmed on the page itself (no window.confirm); after the decision the inbox comes
 * back with the outcome at the top. Server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const OFFICER_PROFILE = "SENCE_OFFICER";
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
    loading: "Cargando…",
    empty: "No hay solicitudes pendientes.",
    deciding: "Registrando la resolución…",
  };
  const DECISION_FORM = { summary: "errores-solicitud", inputs: ["comentario"] };

  const view = { generation: 0, principal: null, request: null, decision: null };

  const byId = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ small helpers

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function cell(content, className) {
    const td = element("td", className);
    if (content instanceof Node) td.append(content);
    else td.textContent = content === null || content === undefined || content === "" ? "—" : String(content);
    return td;
  }

  function fact(list, term, value, wide) {
    const item = element("div", `facts__item${wide ? " facts__item--wide" : ""}`);
    const dd = element("dd", "facts__value");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    item.append(element("dt", "facts__term", term), dd);
    list.append(item);
  }

  /** 2017-04-07T12:49:00-03:00 → 07/04/2017 12:49 (the API already gives Chile's local time). */
  function dayTime(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]} ${match[4]}:${match[5]}` : "";
  }

  function slashDay(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]}` : "";
  }

  function person(value) {
    return value ? `${value.name} (${value.rut})` : "";
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

  function setStatus(id, message, kind) {
    const status = byId(id);
    status.textContent = message || "";
    status.classList.toggle("status-line--error", kind === "error");
    status.classList.toggle("status-line--empty", kind === "empty");
    status.hidden = !message;
  }

  function setBusy(button, busy) {
    button.disabled = busy; // a double click must not decide twice
    button.classList.toggle("button--busy", busy);
  }

  function failure(result) {
    if (result.status === 401) {
      window.GCA.sessionExpired();
      return null;
    }
    return window.GCA.apiError(result).message;
  }

  function regionNames() {
    const regions = (view.principal && view.principal.regions) || [];
    return regions.map((region) => region.name).join(", ") || "su región";
  }

  // ------------------------------------------------------------------ Solicitudes de anulación (inbox)

  function inboxRow(item, headers) {
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
    // On a phone each row becomes a card: every value says which column it belongs to.
    [...row.cells].forEach((td, index) => {
      if (headers[index]) td.dataset.label = headers[index];
    });
    return row;
  }

  async function showInbox() {
    const generation = view.generation;
    byId("vista-bandeja").hidden = false;
    const wrapper = byId("bandeja-tabla-contenedor");
    wrapper.hidden = true;
    setStatus("bandeja-estado", MESSAGES.loading);
    const result = await window.GCA.api("GET", "/api/annulments");
    if (generation !== view.generation) return;
    if (result.status !== 200 || !result.data || !Array.isArray(result.data.items)) {
      const message = failure(result);
      if (message) setStatus("bandeja-estado", message, "error");
      return;
    }
    const pending = result.data.items.filter((item) => !item.status || item.status === "PENDING");
    if (!pending.length) {
      byId("tabla-bandeja").tBodies[0].replaceChildren();
      setStatus("bandeja-estado", MESSAGES.empty, "empty");
      return;
    }
    setStatus("bandeja-estado", "");
    const caption = element("span", "table__caption-text", `Solicitudes pendientes — ${regionNames()}`);
    caption.append(
      element(
        "span",
        "table__caption-detail",
        pending.length === 1
          ? "1 solicitud, la más antigua primero"
          : `${pending.length} solicitudes, las más antiguas primero`,
      ),
    );
    byId("tabla-bandeja-leyenda").replaceChildren(caption);
    const table = byId("tabla-bandeja");
    // The column names, for the phone layout (the action column's name is for screen readers only).
    const headers = [...table.tHead.rows[0].cells].map((th) =>
      th.querySelector(".visually-hidden") ? "" : th.textContent.trim(),
    );
    table.tBodies[0].replaceChildren(...pending.map((item) => inboxRow(item, headers)));
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
    fact(list, "Solicitado por", person(request.requested_by));
    fact(list, "Fecha de solicitud", dayTime(request.requested_at));
    fact(list, "Estado de la solicitud", STATUS[request.status] || request.status);
    byId("solicitud-motivo").textContent = request.reason || "";

    const certificate = request.certificate || {};
    const data = byId("datos-certificado-lista");
    data.replaceChildren();
    fact(data, "Nro Certificado", certificate.number || request.certificate_number);
    fact(data, "Fecha Emisión", slashDay(certificate.issued_at));
    fact(data, "N° de factura", certificate.invoice_number);
    fact(data, "Aceptado por", person(certificate.accepted_by));
    const participants = Array.isArray(certificate.participants) ? certificate.participants : [];
    byId("tabla-solicitud").tBodies[0].replaceChildren(
      ...participants.map((participant) => {
        const row = element("tr");
        const percent = element("td", "numeric nowrap");
        percent.append(element("span", "percent", `${participant.percent} %`));
        row.append(cell(participant.rut, "nowrap"), cell(participant.name), percent);
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
    setBusy(confirm, false);
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
    window.GCA.clearErrors(DECISION_FORM);
    setStatus("decision-estado", "");
    setStatus("solicitud-estado", MESSAGES.loading);
    const result = await window.GCA.api("GET", `/api/annulments/${encodeURIComponent(requestId)}`);
    if (generation !== view.generation) return;
    if (result.status !== 200 || !result.data) {
      const message = failure(result);
      if (message) setStatus("solicitud-estado", message, "error");
      return;
    }
    setStatus("solicitud-estado", "");
    view.request = result.data;
    byId("comentario").value = "";
    renderRequest(result.data);
    showChoice(null);
    byId("solicitud-cuerpo").hidden = false;
  }

  async function confirmDecision() {
    const button = byId("boton-confirmar-decision");
    const request = view.request;
    const decision = view.decision;
    if (button.disabled || !request || !DECISIONS[decision]) return;
    window.GCA.clearErrors(DECISION_FORM);
    setBusy(button, true);
    byId("boton-cancelar-decision").disabled = true;
    setStatus("decision-estado", MESSAGES.deciding);
    const generation = view.generation;
    const comment = byId("comentario").value.trim();
    const result = await window.GCA.api("POST", `/api/annulments/${encodeURIComponent(request.request_id)}/decision`, {
      body: comment ? { decision, comment } : { decision },
    });
    byId("boton-cancelar-decision").disabled = false;
    setStatus("decision-estado", "");
    if (result.status === 200) {
      window.GCA.go("#/inicio", DECISIONS[decision].done(request.certificate_number));
      return;
    }
    setBusy(button, false);
    if (generation !== view.generation) return;
    const message = failure(result);
    if (message === null) return;
    const field = result.data && result.data.error ? result.data.error.field : null;
    if (result.status === 400 && field === "comment") {
      showChoice(null);
      window.GCA.showErrors(DECISION_FORM, [{ input: "comentario", message }]);
      return;
    }
    // Decided meanwhile (by the emailed link or a colleague), or no longer visible: show it as it is now.
    const summary = byId(DECISION_FORM.summary);
    const item = element("li", "error-summary__text", message);
    const back = element("a", null, "Volver a las solicitudes");
    back.href = "#/inicio";
    item.append(document.createTextNode(" "), back);
    summary.querySelector("ul").replaceChildren(item);
    summary.hidden = false;
    if (result.status === 409) {
      const refreshed = await window.GCA.api("GET", `/api/annulments/${encodeURIComponent(request.request_id)}`);
      if (generation === view.generation && refreshed.status === 200 && refreshed.data) {
        view.request = refreshed.data;
        renderRequest(refreshed.data);
      }
    }
    showChoice(null);
    summary.focus();
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
    if (!principal || principal.profile !== OFFICER_PROFILE || !route) return;
    if (route.name === "request") {
      const back = byId("volver");
      back.href = "#/inicio";
      back.hidden = false;
      showRequest(route.requestId);
    } else {
      showInbox();
    }
  }

  function start() {
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
