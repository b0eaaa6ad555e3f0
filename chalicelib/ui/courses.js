/*
 * GCA "Cursos": the search ("Listado de Cursos SENCE"), one course ("Listado de Participantes.")
 * and one participant ("Revisión de asistencia de un participante").
 *
 * The shell (app.js) owns the routes and the greeting; on every `gca:inicio` event this file fills
 * #contenido for the route it names. The markup lives in index.html; only rows are built here, and
 * server data is always written with textContent, never as HTML.
 */
(() => {
  "use strict";

  const SEARCH_KEY = "gca.busquedaCursos"; // the shell clears every "gca." key at logout
  const PAGE_SIZES = [10, 25, 50, 100];

  const CRITERIA = {
    course_code: {
      label: "Código Curso",
      field: "text",
      hint: "7 dígitos, por ejemplo 5115263.",
      digits: 7,
      empty: "Ingrese el código del curso.",
      wrong: "El código de curso tiene 7 dígitos (ejemplo: 5115263).",
    },
    action_id: {
      label: "ID Acción",
      field: "text",
      hint: "N° de registro de acción SENCE: 7 dígitos, por ejemplo 5115263.",
      digits: 7,
      empty: "Ingrese el ID de acción.",
      wrong: "El ID de acción tiene 7 dígitos (ejemplo: 5115263).",
    },
    sence_code: {
      label: "Código SENCE",
      field: "text",
      hint: "10 dígitos, por ejemplo 1237740585.",
      digits: 10,
      empty: "Ingrese el código SENCE.",
      wrong: "El código SENCE tiene 10 dígitos (ejemplo: 1237740585).",
    },
    state: { label: "Estado del certificado", field: "state" },
    start_date: { label: "Fecha de inicio", field: "dates", legend: "Fecha de inicio del curso" },
    end_date: { label: "Fecha de término", field: "dates", legend: "Fecha de término del curso" },
    company_rut: {
      label: "RUT de la empresa",
      field: "text",
      hint: "Con dígito verificador, por ejemplo 96.500.500-5.",
      pattern: /^\d{1,8}-?[\dkK]$/,
      size: 12,
      text: true,
      empty: "Ingrese el RUT de la empresa.",
      wrong: "El RUT no tiene un formato válido (ejemplo: 96.500.500-5).",
    },
    participant_rut: {
      label: "RUT del participante",
      field: "text",
      hint: "Con dígito verificador, por ejemplo 8.808.603-1: los cursos que tomó esa persona.",
      pattern: /^\d{1,8}-?[\dkK]$/,
      size: 12,
      text: true,
      empty: "Ingrese el RUT del participante.",
      wrong: "El RUT no tiene un formato válido (ejemplo: 8.808.603-1).",
    },
    certificate_number: {
      label: "N° de certificado",
      field: "text",
      hint: "Con la forma N-AAAA, por ejemplo 12-2017.",
      pattern: /^\d{1,7}-\d{4}$/,
      size: 12,
      text: true,
      empty: "Ingrese el número de certificado.",
      wrong: "El número de certificado tiene la forma N-AAAA (ejemplo: 12-2017).",
    },
  };
  const DATE_CRITERIA = ["start_date", "end_date"];

  const PROGRAMS = { impulsa_personas: "Impulsa Personas", aprendizajes: "Aprendizajes" };

  const STATES = {
    PENDING: { label: "Pendiente de Emitir", icon: "estado-pendiente.svg" },
    ISSUED: { label: "Emitido", icon: "estado-emitido.svg" },
    ANNULMENT_REQUESTED: { label: "Pendiente de Validación", icon: "estado-validacion.svg" },
    REISSUE_APPROVED: { label: "Aprobado para Re-emisión", icon: "estado-reemision.svg" },
    ANNULMENT_REJECTED: { label: "Rechazado para Re-emisión", icon: "estado-rechazado.svg" },
  };

  const ANNULMENT_STATUS = { PENDING: "Pendiente", APPROVED: "Aprobada", REJECTED: "Rechazada" };
  const INCIDENTS = { entry_without_exit: "Entrada sin salida", exit_before_entry: "Salida antes de la entrada" };

  const MESSAGES = {
    programEmpty: "Elija un programa.",
    criterionEmpty: "Elija un criterio de búsqueda.",
    stateEmpty: "Elija un estado del certificado.",
    fromEmpty: "Ingrese la fecha Desde.",
    toEmpty: "Ingrese la fecha Hasta.",
    fromWrong: "Ingrese la fecha Desde con la forma dd-mm-aaaa (por ejemplo, 13-11-2016).",
    toWrong: "Ingrese la fecha Hasta con la forma dd-mm-aaaa (por ejemplo, 25-12-2016).",
    toBeforeFrom: "La fecha Hasta no puede ser anterior a la fecha Desde.",
    searching: "Buscando cursos…",
    noCourses: "No se encontraron cursos para la búsqueda realizada.",
    noParticipants: "El curso no tiene participantes inscritos.",
    noParticipantsImported:
      "El curso no tiene participantes inscritos en GCA: su certificado, importado del sistema anterior, " +
      "lista a sus participantes y sus porcentajes (botón Ver).",
    noSessions: "El libro de clases no tiene sesiones registradas para este curso.",
  };

  // The error summary of the search (the shell's GOV.UK pattern) and which input each API field names.
  const SEARCH_FORM = {
    summary: "errores-busqueda",
    inputs: [
      "busqueda-programa",
      "busqueda-criterio",
      "busqueda-valor",
      "busqueda-estado",
      "busqueda-desde",
      "busqueda-hasta",
    ],
  };
  const API_FIELDS = { program: "busqueda-programa", criterion: "busqueda-criterio", from: "busqueda-desde", to: "busqueda-hasta" };

  const view = {
    generation: 0, // bumps on every screen change, so that a late answer for an old screen is dropped
    requests: 0, // bumps on every search or page asked for; only the latest answer is shown
    principal: null,
    search: null, // {params, page, pageSize} of the results on screen
    participantsPaging: {}, // course code -> {page, pageSize}
    courseCode: null, // the course on screen
    importedCertificate: null, // the course on screen, when its current certificate was migrated
    sessions: null, // {code, rut, items, page, pageSize}
    pagers: {},
  };

  const byId = (id) => document.getElementById(id);
  const {
    element,
    cell,
    fact,
    setCaption,
    percentCell,
    showBelowMinimum,
    nameWithRut,
    compactRut,
    setStatus,
    setBusy,
    isBusy,
    failure,
    load,
    download,
    openInNewTab,
    setBusyDisabled,
    showErrors,
    clearErrors,
    isTrainingBody,
    api,
    messages,
  } = window.GCA;

  // ------------------------------------------------------------------ small helpers

  function hiddenText(text) {
    return element("span", "visually-hidden", text);
  }

  function tag(text, modifier) {
    return element("strong", `tag${modifier ? ` tag--${modifier}` : ""}`, text);
  }

  /** 2016-11-15 → 15-11-2016, as every screen of the manual shows dates. */
  function day(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}-${match[2]}-${match[1]}` : "";
  }

  /** 2017-02-01T12:32:00-03:00 → 01-02-2017 12:32 (the API already gives Chile's local time). */
  function dayTime(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}-${match[2]}-${match[1]} ${match[4]}:${match[5]}` : "";
  }

  function clockTime(iso) {
    const match = /T(\d{2}:\d{2}:\d{2})/.exec(String(iso || ""));
    return match ? match[1] : "";
  }

  function stateBadge(code, label) {
    const known = STATES[code];
    const badge = element("span", "state");
    if (known) {
      const icon = element("img", "state-icon");
      icon.src = `/static/${known.icon}`;
      icon.alt = "";
      icon.width = 22;
      icon.height = 22;
      badge.append(icon);
    }
    badge.append(element("span", "state__label", label || (known ? known.label : code)));
    return badge;
  }

  function readStored() {
    try {
      return JSON.parse(window.sessionStorage.getItem(SEARCH_KEY) || "null");
    } catch {
      return null;
    }
  }

  function writeStored(value) {
    try {
      if (value) window.sessionStorage.setItem(SEARCH_KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(SEARCH_KEY);
    } catch {
      // Private modes may refuse storage: "Volver" then shows an empty search.
    }
  }

  function owner() {
    const principal = view.principal;
    return principal ? `${principal.profile}|${principal.institution.rut}` : "";
  }

  // ------------------------------------------------------------------ pager (« ‹ página › », Ir a página, Registros por página)

  function pagerButton(go, symbol, label) {
    const button = element("button", "pager__button", symbol);
    button.type = "button";
    button.dataset.go = go;
    button.setAttribute("aria-label", label);
    return button;
  }

  function pagerSelect(id, labelText) {
    const wrapper = element("div", "pager__option");
    const label = element("label", "pager__label", labelText);
    label.htmlFor = id;
    const select = element("select", "select select--small");
    select.id = id;
    wrapper.append(label, select);
    return { wrapper, select };
  }

  /** Builds the pager once inside `nav`; onChange(page, pageSize) asks for another page. */
  function pager(navId, onChange) {
    if (view.pagers[navId]) {
      view.pagers[navId].onChange = onChange;
      return view.pagers[navId];
    }
    const nav = byId(navId);
    const controls = element("div", "pager__controls");
    const first = pagerButton("first", "«", "Primera página");
    const previous = pagerButton("previous", "‹", "Página anterior");
    const current = element("span", "pager__current");
    const next = pagerButton("next", "›", "Página siguiente");
    const last = pagerButton("last", "»", "Última página");
    controls.append(first, previous, current, next, last);
    const goTo = pagerSelect(`${navId}-ir`, "Ir a página");
    const size = pagerSelect(`${navId}-registros`, "Registros por página");
    size.select.append(
      ...PAGE_SIZES.map((value) => {
        const option = element("option", null, value);
        option.value = String(value);
        return option;
      }),
    );
    const options = element("div", "pager__options");
    options.append(goTo.wrapper, size.wrapper);
    const summary = element("p", "pager__summary");
    summary.setAttribute("role", "status");
    nav.replaceChildren(controls, options, summary);

    const control = { onChange, page: 1, pages: 1, pageSize: PAGE_SIZES[0], summary, update: null };
    const change = (page, pageSize) => control.onChange(page, pageSize);
    first.addEventListener("click", () => change(1, control.pageSize));
    previous.addEventListener("click", () => change(Math.max(1, control.page - 1), control.pageSize));
    next.addEventListener("click", () => change(Math.min(control.pages, control.page + 1), control.pageSize));
    last.addEventListener("click", () => change(control.pages, control.pageSize));
    goTo.select.addEventListener("change", () => change(Number(goTo.select.value), control.pageSize));
    size.select.addEventListener("change", () => change(1, Number(size.select.value)));

    control.update = ({ page, page_size: pageSize, total, first: from, last: to }) => {
      const focused = document.activeElement;
      const pages = Math.max(1, Math.ceil(total / pageSize));
      control.page = Math.min(page, pages);
      control.pages = pages;
      control.pageSize = pageSize;
      current.replaceChildren(hiddenText("Página "), element("span", "pager__number", control.page));
      current.append(hiddenText(` de ${pages}`));
      first.disabled = control.page <= 1;
      previous.disabled = control.page <= 1;
      next.disabled = control.page >= pages;
      last.disabled = control.page >= pages;
      goTo.select.replaceChildren(
        ...Array.from({ length: pages }, (_, index) => {
          const option = element("option", null, index + 1);
          option.value = String(index + 1);
          return option;
        }),
      );
      goTo.select.value = String(control.page);
      size.select.value = String(pageSize);
      summary.textContent = total ? `Mostrando registros ${from} a ${to} de ${total}` : "Mostrando registros 0 de 0";
      // A button that just became disabled (first or last page) would drop the focus to the page.
      if ([first, previous, next, last].includes(focused) && focused.disabled) goTo.select.focus();
    };
    view.pagers[navId] = control;
    return control;
  }

  // ------------------------------------------------------------------ Cursos.: the search form

  function criterionFields() {
    const criterion = byId("busqueda-criterio").value;
    const config = CRITERIA[criterion];
    const field = config ? config.field : null;
    byId("grupo-busqueda-valor").hidden = field !== "text";
    byId("grupo-busqueda-estado").hidden = field !== "state";
    byId("grupo-busqueda-fechas").hidden = field !== "dates";
    if (field === "text") {
      byId("busqueda-valor-etiqueta").textContent = config.label;
      byId("busqueda-valor-ayuda").textContent = config.hint;
      const input = byId("busqueda-valor");
      input.maxLength = (config.size || config.digits) + 4; // room for stray spaces or dots
      input.inputMode = config.text ? "text" : "numeric";
    }
    if (field === "dates") byId("busqueda-fechas-leyenda").textContent = config.legend;
  }

  /** dd-mm-aaaa (also d/m/aaaa or ddmmaaaa) → "dd-mm-aaaa", or null when it is not a real day. */
  function parseDay(raw) {
    const text = String(raw || "").trim();
    const match = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(text) || /^(\d{2})(\d{2})(\d{4})$/.exec(text);
    if (!match) return null;
    const [dayNumber, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, dayNumber));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== dayNumber) {
      return null;
    }
    const pad = (number) => String(number).padStart(2, "0");
    return { text: `${pad(dayNumber)}-${pad(month)}-${year}`, time: date.getTime() };
  }

  /** Reads and checks the form: {params} or {errors: [{input, message}]}. */
  function readSearch() {
    const errors = [];
    const program = byId("busqueda-programa").value;
    const criterion = byId("busqueda-criterio").value;
    const config = CRITERIA[criterion];
    if (!PROGRAMS[program]) errors.push({ input: "busqueda-programa", message: MESSAGES.programEmpty });
    if (!config) errors.push({ input: "busqueda-criterio", message: MESSAGES.criterionEmpty });
    const params = { program, criterion };
    if (config && config.field === "text") {
      const input = byId("busqueda-valor");
      const value = input.value.replace(/[\s.]/g, "");
      input.value = value;
      if (!value) errors.push({ input: input.id, message: config.empty });
      else if (!(config.pattern || new RegExp(`^\\d{${config.digits}}$`)).test(value)) {
        errors.push({ input: input.id, message: config.wrong });
      }
      params.value = value;
    } else if (config && config.field === "state") {
      params.value = byId("busqueda-estado").value;
      if (!STATES[params.value]) errors.push({ input: "busqueda-estado", message: MESSAGES.stateEmpty });
    } else if (config && config.field === "dates") {
      const dates = [
        ["busqueda-desde", "from", MESSAGES.fromEmpty, MESSAGES.fromWrong],
        ["busqueda-hasta", "to", MESSAGES.toEmpty, MESSAGES.toWrong],
      ].map(([id, name, emptyMessage, wrongMessage]) => {
        const input = byId(id);
        if (!input.value.trim()) {
          errors.push({ input: id, message: emptyMessage });
          return null;
        }
        const parsed = parseDay(input.value);
        if (!parsed) {
          errors.push({ input: id, message: wrongMessage });
          return null;
        }
        input.value = parsed.text;
        params[name] = parsed.text;
        return parsed;
      });
      if (dates[0] && dates[1] && dates[1].time < dates[0].time) {
        errors.push({ input: "busqueda-hasta", message: MESSAGES.toBeforeFrom });
      }
    }
    return errors.length ? { errors } : { params };
  }

  function fillSearch(params) {
    byId("busqueda-programa").value = PROGRAMS[params.program] ? params.program : "";
    byId("busqueda-criterio").value = CRITERIA[params.criterion] ? params.criterion : "";
    const field = CRITERIA[params.criterion] ? CRITERIA[params.criterion].field : null;
    byId("busqueda-valor").value = field === "text" ? params.value || "" : "";
    byId("busqueda-estado").value = field === "state" ? params.value || "" : "";
    byId("busqueda-desde").value = params.from || "";
    byId("busqueda-hasta").value = params.to || "";
    criterionFields();
  }

  function searchQuery(params) {
    const query = new URLSearchParams({ program: params.program, criterion: params.criterion });
    if (DATE_CRITERIA.includes(params.criterion)) {
      query.set("from", params.from);
      query.set("to", params.to);
    } else {
      query.set("value", params.value);
    }
    return query;
  }

  function searchedFor(params) {
    const parts = [PROGRAMS[params.program]];
    if (DATE_CRITERIA.includes(params.criterion)) parts.push(`${params.from} a ${params.to}`);
    else if (params.criterion === "state") parts.push(STATES[params.value] ? STATES[params.value].label : "");
    else parts.push(params.value);
    return parts.filter(Boolean).join(" · ");
  }

  function submitSearch(event) {
    event.preventDefault();
    const button = byId("boton-buscar");
    if (isBusy(button)) return;
    const read = readSearch();
    if (read.errors) {
      showErrors(SEARCH_FORM, read.errors);
      return;
    }
    clearErrors(SEARCH_FORM);
    const pageSize = view.search ? view.search.pageSize : PAGE_SIZES[0];
    runSearch(read.params, 1, pageSize, { focusResults: true });
  }

  function clearSearch() {
    const form = byId("form-busqueda");
    form.reset();
    criterionFields();
    clearErrors(SEARCH_FORM);
    view.search = null;
    writeStored(null);
    byId("resultados-cursos").hidden = true;
    byId("busqueda-programa").focus();
  }

  /**
   * One page of the search. Next and previous follow the answer's cursors (the API reads only that page);
   * first, last, "Ir a página" and a stored page ask for the page number.
   */
  async function runSearch(params, page, pageSize, { focusResults = false, cursor = null } = {}) {
    const generation = view.generation;
    const request = ++view.requests;
    const button = byId("boton-buscar");
    const results = byId("resultados-cursos");
    const query = searchQuery(params);
    if (cursor) query.set("cursor", cursor);
    else query.set("page", String(page));
    query.set("page_size", String(pageSize));
    setBusy(button, true);
    results.hidden = false;
    setStatus("resultados-cursos-estado", MESSAGES.searching);
    const result = await api("GET", `/api/courses?${query}`);
    if (request === view.requests) setBusy(button, false);
    if (generation !== view.generation || request !== view.requests) return;

    if (result.status === 200 && result.data && Array.isArray(result.data.items)) {
      const { total, items } = result.data;
      if (total > 0 && !items.length && page > 1) {
        // A page kept from before that no longer exists (fewer courses now): show the last one.
        runSearch(params, Math.ceil(total / pageSize), pageSize, { focusResults });
        return;
      }
      view.search = { params, page: result.data.page, pageSize: result.data.page_size };
      writeStored({ owner: owner(), ...view.search });
      // bundles.js offers "Descargar lote" for the whole result (the same query, every page).
      document.dispatchEvent(new CustomEvent("gca:resultados", { detail: { query: searchQuery(params), total } }));
      renderCourses(params, result.data);
      if (focusResults) {
        const heading = byId("resultados-cursos-titulo");
        heading.focus({ preventScroll: true });
        heading.scrollIntoView({ block: "start" });
      }
      return;
    }
    const message = failure(result);
    if (message === null) return;
    const field = result.status === 400 && result.data && result.data.error ? result.data.error.field : null;
    if (field === "cursor") {
      // A position that no longer fits the search: ask for that page by its number instead.
      runSearch(params, page, pageSize, { focusResults });
      return;
    }
    if (field === "page" || field === "page_size") {
      // A page or page size the API refuses (e.g. from a stored search): start again from the first page.
      if (page !== 1 || pageSize !== PAGE_SIZES[0]) runSearch(params, 1, PAGE_SIZES[0], { focusResults });
      else setStatus("resultados-cursos-estado", message, "error");
      return;
    }
    if (result.status === 400) {
      results.hidden = true;
      let input = API_FIELDS[field] || null;
      if (field === "value") input = params.criterion === "state" ? "busqueda-estado" : "busqueda-valor";
      showErrors(SEARCH_FORM, [{ input, message, inline: Boolean(input) }]);
      return;
    }
    byId("resultados-cursos-cuerpo").hidden = true;
    setStatus("resultados-cursos-estado", message, "error");
  }

  function courseRow(course) {
    const row = element("tr");
    const href = `#/curso/${encodeURIComponent(course.course_code)}`;
    const codeLink = element("a", "link", course.course_code);
    codeLink.href = href;
    const stateLink = element("a", "state-link");
    stateLink.href = href;
    stateLink.append(stateBadge(course.certificate_state, course.certificate_state_label));
    row.append(
      cell(codeLink),
      cell(course.sence_code),
      cell(course.name, "cell--name"),
      cell(course.program_label),
      cell(`${course.accredited_hours} Hrs`, "numeric"),
      cell(day(course.start_date), "nowrap"),
      cell(day(course.end_date), "nowrap"),
      cell(stateLink),
    );
    return row;
  }

  function renderCourses(params, data) {
    const criterion = `Búsqueda realizada por el criterio : ${CRITERIA[params.criterion].label}`;
    setCaption("tabla-cursos-leyenda", criterion, searchedFor(params));
    const body = byId("resultados-cursos-cuerpo");
    setStatus("exportar-cursos-estado", "");
    if (!data.total) {
      body.hidden = true;
      setStatus("resultados-cursos-estado", `${MESSAGES.noCourses} (${searchedFor(params)})`, "empty");
      return;
    }
    setStatus("resultados-cursos-estado", "");
    byId("tabla-cursos").tBodies[0].replaceChildren(...data.items.map(courseRow));
    pager("paginas-cursos", (page, pageSize) => {
      const sameSize = pageSize === data.page_size;
      let cursor = null;
      if (sameSize && page === data.page + 1) cursor = data.next_cursor;
      else if (sameSize && page === data.page - 1) cursor = data.prev_cursor;
      runSearch(params, page, pageSize, { cursor });
    }).update(data);
    body.hidden = false;
  }

  function showSearch() {
    byId("form-busqueda").hidden = false;
    const stored = readStored();
    if (stored && stored.owner === owner() && stored.params && CRITERIA[stored.params.criterion]) {
      fillSearch(stored.params);
      runSearch(stored.params, stored.page || 1, PAGE_SIZES.includes(stored.pageSize) ? stored.pageSize : 10);
    } else {
      view.search = null;
      criterionFields();
      byId("resultados-cursos").hidden = true;
    }
  }

  // ------------------------------------------------------------------ Listado de Participantes.: one course

  function certificateState(course) {
    const wrapper = element("div", "certificate-state");
    wrapper.append(stateBadge(course.certificate_state, course.certificate_state_label));
    const certificate = course.current_certificate;
    if (certificate) {
      const line = element("span", "certificate-state__number");
      const status =
        certificate.status === "ANNULLED"
          ? `anulado el ${day(certificate.annulled_at)}`
          : `vigente, emitido el ${day(certificate.issued_at)}`;
      line.textContent = `Certificado N° ${certificate.number} (${status})`;
      // "Ver": the certificate in PDF in a new tab (an annulled one comes stamped CERTIFICADO ANULADO);
      // "Descargar": the same file saved.
      const path = `/api/certificates/${encodeURIComponent(certificate.number)}/pdf`;
      const view = element("button", "link-button", "Ver");
      view.type = "button";
      view.append(hiddenText(` certificado N° ${certificate.number} en PDF`), hiddenText(" (se abre en una pestaña nueva)"));
      view.addEventListener("click", () => openInNewTab(`${path}?inline=true`, view, "certificado-pdf-estado"));
      const save = element("button", "link-button", "Descargar");
      save.type = "button";
      save.append(hiddenText(` certificado N° ${certificate.number} en PDF`));
      save.addEventListener("click", () => download(path, save, "certificado-pdf-estado"));
      const actions = element("span", "certificate-state__actions");
      actions.append(view, save);
      wrapper.append(line, actions);
      if (certificate.imported) {
        // Issued by the system GCA replaced and migrated: marked, with where it came from.
        const origin = element("span", "certificate-state__origin");
        origin.append(tag("Importado", "imported"));
        if (certificate.source) origin.append(document.createTextNode(` ${certificate.source}`));
        wrapper.append(origin);
      }
    }
    if (course.correction_note) {
      // Once issued, a document is never edited: correcting a name or a printed fact takes an annulment
      // and a re-issue (Ley 21.719, rectification).
      wrapper.append(element("p", "certificate-state__note", course.correction_note));
    }
    return wrapper;
  }

  /** "Generar Certificado" and "Solicitud Anulación Certificado", as the API allows for this profile. */
  function renderCertificateActions(course) {
    const issue = Boolean(course.can_issue);
    const annul = Boolean(course.can_request_annulment);
    byId("boton-generar").hidden = !issue;
    byId("boton-solicitar-anulacion").hidden = !annul;
    byId("acciones-certificado").hidden = !(issue || annul);
    // One primary button per screen: "Generar Certificado" when it is there.
    byId("boton-asistencia-total").classList.toggle("button--secondary", issue);
  }

  function renderCourseFacts(course) {
    const list = byId("datos-curso-lista");
    list.replaceChildren();
    fact(list, "Código Curso", course.course_code);
    fact(list, "Código SENCE", course.sence_code);
    fact(list, "Curso", course.name);
    fact(list, "Programa", course.program_label);
    fact(list, "Tipo de Actividad", course.activity_type_label);
    fact(list, "Región", course.region && course.region.name);
    fact(list, "Fecha Inicio", day(course.start_date));
    fact(list, "Fecha Término", day(course.end_date));
    fact(list, "Empresa", nameWithRut(course.company));
    fact(list, "Horas Acreditadas", course.accredited_hours);
    fact(list, "Cupos", course.quotas);
    fact(list, "OTEC", nameWithRut(course.institution));
    fact(list, "OTIC", course.otic ? nameWithRut(course.otic) : "Sin OTIC");
    fact(list, "Acción Relacionada", course.related_action);
    fact(list, "Estado Certificado", certificateState(course), true);
  }

  function renderAnnulments(annulments) {
    const section = byId("anulaciones-curso");
    const list = Array.isArray(annulments) ? annulments : [];
    section.hidden = !list.length;
    const rows = list.map((request) => {
      const row = element("tr");
      const requester = element("span");
      if (request.requested_by) {
        requester.append(
          document.createTextNode(request.requested_by.name),
          element("span", "cell__secondary", request.requested_by.rut),
        );
      }
      let resolution = "En espera de la Dirección Regional";
      if (request.decided_at) {
        const by = request.decided_by ? `, ${request.decided_by.name}` : "";
        const comment = request.decision_comment ? `: ${request.decision_comment}` : "";
        resolution = `${dayTime(request.decided_at)}${by}${comment}`;
      }
      const status = { PENDING: "pending", APPROVED: "approved", REJECTED: "rejected" }[request.status];
      row.append(
        cell(dayTime(request.requested_at), "nowrap"),
        cell(request.certificate_number, "nowrap"),
        cell(request.reason),
        cell(requester),
        cell(tag(ANNULMENT_STATUS[request.status] || request.status, status)),
        cell(resolution),
      );
      return row;
    });
    byId("tabla-anulaciones").tBodies[0].replaceChildren(...rows);
  }

  function participantRow(code, participant, minimum) {
    // While the course runs its percentage is still growing: "Bajo 75 %" once it has ended (the reach
    // column warns before); without a reach (older answers), as the percentage says.
    const below = participant.risk ? participant.risk === "below_minimum" : participant.below_minimum;
    const row = element("tr", below || participant.risk === "unreachable" ? "row--below" : null);
    const name = element("span", null, participant.name);
    const nameCell = cell(name);
    if (participant.incidents) {
      const count = participant.incidents;
      nameCell.append(
        document.createTextNode(" "),
        tag(count === 1 ? "1 marca incompleta" : `${count} marcas incompletas`, "warning"),
      );
    }
    const percent = percentCell(participant.attendance_percent, below, minimum);
    const link = element("a", "link", "Ver");
    link.href = `#/curso/${encodeURIComponent(code)}/participante/${encodeURIComponent(compactRut(participant.rut))}`;
    link.append(hiddenText(` asistencia de ${participant.name}`));
    row.append(cell(participant.rut, "nowrap"), nameCell, percent, reachCell(participant), cell(link, "nowrap"));
    return row;
  }

  /** The most the participant can still reach, and in words when it is not enough: never colour alone. */
  function reachCell(participant) {
    const td = element("td", "numeric nowrap");
    const warning = { unreachable: "below", at_risk: "warning" }[participant.risk];
    if (warning && participant.risk_label) td.append(tag(participant.risk_label, warning), document.createTextNode(" "));
    td.append(element("span", "percent", `${participant.max_reachable_percent} %`));
    return td;
  }

  function renderParticipants(code, data) {
    const minimum = data.minimum_percent;
    showBelowMinimum(byId("participantes-bajo-minimo"), minimum, data.below_minimum_total || 0, data.total);
    const table = byId("participantes-tabla-contenedor");
    const nav = byId("paginas-participantes");
    if (!data.total) {
      table.hidden = true;
      nav.hidden = true;
      const imported = view.importedCertificate === code;
      setStatus("participantes-estado", imported ? MESSAGES.noParticipantsImported : MESSAGES.noParticipants, "empty");
      return;
    }
    if (!data.items.length && data.page > 1) {
      loadParticipants(code, Math.ceil(data.total / data.page_size), data.page_size);
      return;
    }
    setStatus("participantes-estado", "");
    table.hidden = false;
    nav.hidden = false;
    byId("tabla-participantes").tBodies[0].replaceChildren(
      ...data.items.map((participant) => participantRow(code, participant, minimum)),
    );
    pager("paginas-participantes", (page, pageSize) => loadParticipants(code, page, pageSize)).update(data);
  }

  function participantsPath(code, page, pageSize) {
    return `/api/courses/${encodeURIComponent(code)}/participants?page=${page}&page_size=${pageSize}`;
  }

  async function loadParticipants(code, page, pageSize) {
    const generation = view.generation;
    const request = ++view.requests;
    const isCurrent = () => generation === view.generation && request === view.requests;
    const data = await load(participantsPath(code, page, pageSize), "participantes-estado", isCurrent);
    if (!data) return;
    view.participantsPaging[code] = { page: data.page, pageSize: data.page_size };
    renderParticipants(code, data);
  }

  async function showCourse(code) {
    const generation = view.generation;
    view.courseCode = code;
    const back = byId("volver");
    back.href = "#/inicio";
    back.hidden = false;
    byId("vista-curso").hidden = false;
    byId("curso-cuerpo").hidden = true;
    setStatus("curso-estado", messages.loading);
    setStatus("asistencia-total-estado", "");
    const paging = view.participantsPaging[code] || { page: 1, pageSize: PAGE_SIZES[0] };
    const [detail, participants] = await Promise.all([
      api("GET", `/api/courses/${encodeURIComponent(code)}`),
      api("GET", participantsPath(code, paging.page, paging.pageSize)),
    ]);
    if (generation !== view.generation) return;
    if (detail.status !== 200 || !detail.data) {
      const message = failure(detail);
      if (message) setStatus("curso-estado", message, "error");
      return;
    }
    setStatus("curso-estado", "");
    setStatus("certificado-pdf-estado", "");
    const current = detail.data.current_certificate;
    view.importedCertificate = current && current.imported ? code : null;
    renderCourseFacts(detail.data);
    setFolded(false);
    renderCertificateActions(detail.data);
    renderAnnulments(detail.data.annulments);
    byId("curso-cuerpo").hidden = false;
    if (participants.status === 200 && participants.data) {
      renderParticipants(code, participants.data);
    } else {
      const message = failure(participants);
      if (message) setStatus("participantes-estado", message, "error");
    }
  }

  // ------------------------------------------------------------------ Revisión de asistencia de un participante

  function timeCell(value, note) {
    const td = element("td", "numeric nowrap");
    if (value) td.textContent = value;
    else td.append(element("span", "cell__missing", "Sin marca"));
    if (note) td.append(element("span", "cell__note", note));
    return td;
  }

  function sessionRow(session) {
    const incidents = Array.isArray(session.incidents) ? session.incidents : [];
    const row = element("tr", incidents.length ? "row--incident" : null);
    const end = timeCell(session.participant_end);
    // An incomplete mark credits nothing; say so where the missing time would be.
    for (const incident of incidents) {
      const entry = clockTime(incident.entry);
      const text = INCIDENTS[incident.kind] || incident.kind;
      end.append(tag(text, "warning"));
      const noun = incident.kind === "entry_without_exit" ? "entrada" : "marca";
      if (entry) end.append(element("span", "cell__note", `${noun} ${entry}`));
    }
    row.append(
      cell(day(session.date), "nowrap"),
      cell(session.facilitator),
      cell(session.session_start, "numeric nowrap"),
      cell(session.session_end, "numeric nowrap"),
      cell(session.session_duration, "numeric nowrap"),
      timeCell(session.participant_start, session.grace_applied ? "(con gracia)" : null),
      end,
      cell(session.participant_duration, "numeric nowrap strong"),
    );
    return row;
  }

  function renderSessionsPage(page, pageSize) {
    const sessions = view.sessions;
    const total = sessions.items.length;
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const current = Math.min(Math.max(1, page), pages);
    const start = (current - 1) * pageSize;
    const items = sessions.items.slice(start, start + pageSize);
    sessions.page = current;
    sessions.pageSize = pageSize;
    byId("tabla-sesiones").tBodies[0].replaceChildren(...items.map(sessionRow));
    pager("paginas-sesiones", renderSessionsPage).update({
      page: current,
      page_size: pageSize,
      total,
      first: total ? start + 1 : 0,
      last: start + items.length,
    });
  }

  function renderParticipantFacts(data) {
    const list = byId("datos-participante");
    list.replaceChildren();
    fact(list, "Nombre Participante", data.participant.name);
    fact(list, "Rut Participante", data.participant.rut);
    fact(list, "Curso", `${data.course.course_code} — ${data.course.name}`);
    const percent = element("span", "percent", `${data.attendance_percent} %`);
    const minimum = data.course.program === "impulsa_personas" ? 75 : null;
    const below = data.risk ? data.risk === "below_minimum" : data.below_minimum;
    if (below && minimum) percent.append(document.createTextNode(" "), tag(`Bajo ${minimum} %`, "below"));
    fact(list, "Porcentaje Asistencia", percent);
    fact(list, "Tiempo acreditado", data.credited);
    const reach = element("span", "percent", `${data.max_reachable_percent} %`);
    const warning = { unreachable: "below", at_risk: "warning" }[data.risk];
    if (warning && data.risk_label) reach.append(document.createTextNode(" "), tag(data.risk_label, warning));
    fact(list, "Máximo alcanzable", reach);
  }

  async function showParticipant(code, rut) {
    const generation = view.generation;
    const back = byId("volver");
    back.href = `#/curso/${encodeURIComponent(code)}`;
    back.hidden = false;
    byId("vista-participante").hidden = false;
    byId("participante-cuerpo").hidden = true;
    setStatus("bajar-asistencia-estado", "");
    const path = `/api/courses/${encodeURIComponent(code)}/participants/${encodeURIComponent(rut)}/sessions`;
    const data = await load(path, "participante-estado", () => generation === view.generation);
    if (!data) return;
    renderParticipantFacts(data);
    const items = Array.isArray(data.items) ? data.items : [];
    view.sessions = { code, rut, items, page: 1, pageSize: PAGE_SIZES[0] };
    const hasRows = items.length > 0;
    byId("tabla-sesiones").closest(".table-wrapper").hidden = !hasRows;
    byId("paginas-sesiones").hidden = !hasRows;
    if (hasRows) {
      setStatus("participante-estado", "");
      renderSessionsPage(1, PAGE_SIZES[0]);
    } else {
      setStatus("participante-estado", MESSAGES.noSessions, "empty");
    }
    byId("participante-cuerpo").hidden = false;
  }

  // ------------------------------------------------------------------ screens

  function hideAll() {
    for (const id of ["form-busqueda", "resultados-cursos", "vista-curso", "vista-participante", "volver"]) {
      byId(id).hidden = true;
    }
  }

  function onHome(event) {
    const { principal, route } = event.detail || {};
    view.generation += 1;
    view.principal = principal || null;
    view.courseCode = null;
    view.sessions = null;
    hideAll();
    clearErrors(SEARCH_FORM);
    if (!isTrainingBody(principal) || !route) return;
    if (route.name === "course") showCourse(route.courseCode);
    else if (route.name === "participant") showParticipant(route.courseCode, route.rut);
    else if (route.name === "home") showSearch();
    // Any other screen (issue, annulment request) belongs to certificates.js.
  }

  // ------------------------------------------------------------------ Cerrar, the fold, printing

  /** "Cerrar" under the course list: the list goes away (and stays away on "Volver"); the form keeps its values. */
  function closeResults() {
    view.search = null;
    writeStored(null);
    byId("resultados-cursos").hidden = true;
    byId("busqueda-programa").focus();
  }

  /** "▼ Datos del Curso SENCE" folds and unfolds the course's data. */
  function setFolded(folded) {
    const toggle = byId("plegar-datos-curso");
    toggle.setAttribute("aria-expanded", String(!folded));
    byId("datos-curso-plegable").hidden = folded;
  }

  /** Every participant of the course, page after page (largest page), or null when a page fails. */
  async function allParticipants(code) {
    const size = PAGE_SIZES[PAGE_SIZES.length - 1];
    const rows = [];
    for (let page = 1; ; page += 1) {
      const result = await api("GET", participantsPath(code, page, size));
      if (result.status !== 200 || !result.data) return { failed: result };
      rows.push(...result.data.items);
      if (!result.data.items.length || rows.length >= result.data.total) return { rows, data: result.data };
    }
  }

  /** "Imprimir": the whole table on paper (not only the page on screen), then the page as it was. */
  async function printCourse(button) {
    const code = view.courseCode;
    if (!code || button.disabled) return;
    setBusyDisabled(button, true);
    const found = await allParticipants(code);
    setBusyDisabled(button, false);
    if (found.failed) {
      const message = failure(found.failed);
      if (message) setStatus("imprimir-curso-estado", message, "error");
      return;
    }
    const minimum = found.data.minimum_percent;
    byId("tabla-participantes").tBodies[0].replaceChildren(...found.rows.map((p) => participantRow(code, p, minimum)));
    setStatus("imprimir-curso-estado", "");
    document.body.classList.add("print-whole"); // the pager's "Mostrando registros" no longer applies
    window.print();
    document.body.classList.remove("print-whole");
    const paging = view.participantsPaging[code] || { page: 1, pageSize: PAGE_SIZES[0] };
    loadParticipants(code, paging.page, paging.pageSize);
  }

  function printAllSessions() {
    const sessions = view.sessions;
    if (!sessions) return;
    byId("tabla-sesiones").tBodies[0].replaceChildren(...sessions.items.map(sessionRow));
    document.body.classList.add("print-whole");
  }

  function restoreSessionsPage() {
    const sessions = view.sessions;
    document.body.classList.remove("print-whole");
    if (sessions && !byId("vista-participante").hidden) renderSessionsPage(sessions.page, sessions.pageSize);
  }

  function start() {
    byId("boton-cerrar-cursos").addEventListener("click", closeResults);
    byId("plegar-datos-curso").addEventListener("click", (event) => {
      setFolded(event.currentTarget.getAttribute("aria-expanded") === "true");
    });
    byId("boton-imprimir-curso").addEventListener("click", (event) => printCourse(event.currentTarget));
    byId("boton-imprimir-sesiones").addEventListener("click", () => window.print());
    // A participant's sessions are all in the page: printed whole, whichever way printing starts.
    window.addEventListener("beforeprint", () => {
      if (view.sessions && !byId("vista-participante").hidden) printAllSessions();
    });
    window.addEventListener("afterprint", restoreSessionsPage);
    byId("busqueda-criterio").addEventListener("change", criterionFields);
    byId("form-busqueda").addEventListener("submit", submitSearch);
    byId("boton-limpiar").addEventListener("click", clearSearch);
    byId("boton-exportar-cursos").addEventListener("click", (event) => {
      if (!view.search) return;
      download(`/api/courses.xlsx?${searchQuery(view.search.params)}`, event.currentTarget, "exportar-cursos-estado");
    });
    byId("boton-asistencia-total").addEventListener("click", (event) => {
      if (!view.courseCode) return;
      const path = `/api/courses/${encodeURIComponent(view.courseCode)}/attendance.xlsx`;
      download(path, event.currentTarget, "asistencia-total-estado");
    });
    byId("boton-generar").addEventListener("click", () => {
      if (view.courseCode) window.location.hash = `#/curso/${encodeURIComponent(view.courseCode)}/emitir`;
    });
    byId("boton-solicitar-anulacion").addEventListener("click", () => {
      if (view.courseCode) window.location.hash = `#/curso/${encodeURIComponent(view.courseCode)}/anular`;
    });
    byId("boton-bajar-asistencia").addEventListener("click", (event) => {
      const sessions = view.sessions;
      if (!sessions) return;
      const path = `/api/courses/${encodeURIComponent(sessions.code)}/participants/${encodeURIComponent(sessions.rut)}/attendance.xlsx`;
      download(path, event.currentTarget, "bajar-asistencia-estado");
    });
    criterionFields();
  }

  // The manual's pager, for the other screens' tables (the annulment screen's participants).
  window.GCAPager = Object.freeze({ pager, sizes: PAGE_SIZES });

  // Listen before the shell's first render; wire the form once the document is parsed.
  document.addEventListener("gca:inicio", onHome);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
