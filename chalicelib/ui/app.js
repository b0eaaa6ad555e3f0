/*
 * GCA web shell: login, choice of profile and institution, and the home screen.
 *
 * Plain JavaScript, no build step. The page is one document; the hash picks the view
 * (#/ingresar, #/perfil, #/inicio, #/curso/<código>, #/curso/<código>/participante/<rut>,
 * #/curso/<código>/emitir[/aceptar], #/curso/<código>/anular, #/solicitud/<id>) so that the server
 * only has to serve "/". Those screens share the home view (greeting and #contenido); the features
 * (courses.js, certificates.js, annulments.js, exports.js) fill #contenido when this file fires `gca:inicio`,
 * with the helpers this file shares with them on window.GCA. Server data is always written with textContent,
 * never as HTML.
 */
(() => {
  "use strict";

  const SERVICE_NAME = "Gestión de Certificado de Asistencia";
  const STORE = {
    loginToken: "gca.tokenIngreso",
    sessionToken: "gca.tokenSesion",
    account: "gca.cuenta",
  };
  const ROUTES = { login: "#/ingresar", profile: "#/perfil", home: "#/inicio" };
  // Screens inside the home view: the search, one course, one participant of a course.
  const COURSE_ROUTE = /^#\/curso\/(\d{1,10})$/;
  const PARTICIPANT_ROUTE = /^#\/curso\/(\d{1,10})\/participante\/(\d{1,9}[\dkK])$/;
  const ISSUE_ROUTE = /^#\/curso\/(\d{1,10})\/emitir(\/aceptar)?$/;
  const ANNUL_ROUTE = /^#\/curso\/(\d{1,10})\/anular$/;
  const REQUEST_ROUTE = /^#\/solicitud\/([0-9a-f]{32})$/;
  // The screens of each kind of user; any other is sent back to its home.
  const OFFICER_SCREENS = ["home", "request"];
  const OFFICER_PROFILE = "SENCE_OFFICER";
  const STORE_PREFIX = "gca.";

  const MESSAGES = {
    expired: "Su sesión expiró; ingrese nuevamente.",
    loggedOut: "Ha cerrado su sesión.",
    unreachable: "No fue posible comunicarse con el servicio. Revise su conexión e intente nuevamente.",
    unexpected: "Ocurrió un error inesperado. Intente nuevamente.",
    loading: "Cargando…",
    preparing: "Preparando el archivo…",
    rutEmpty: "Ingrese su RUT.",
    rutFormat:
      "Ingrese el RUT sólo con números y el dígito verificador, sin puntos ni guión (por ejemplo, 123456785).",
    rutCheckDigit: "El RUT no es válido: el dígito verificador no corresponde.",
    passwordEmpty: "Ingrese su Clave CUS.",
    profileEmpty: "Seleccione un perfil.",
    institutionEmpty: "Seleccione una institución.",
    noProfiles: "Su usuario no tiene perfiles asignados. Comuníquese con SENCE.",
  };

  const VIEWS = {
    login: { section: "vista-ingreso", heading: "titulo-ingreso", title: "Autenticación de Usuarios" },
    profile: { section: "vista-perfil", heading: "titulo-perfil", title: "Selección de Perfil / Institución" },
    home: { section: "vista-inicio", heading: "titulo-inicio", title: "Inicio" },
  };

  // Which input shows the error for each field name the API may return.
  const FORMS = {
    login: { summary: "errores-ingreso", inputs: ["rut", "clave"], fields: { rut: "rut", password: "clave" } },
    profile: {
      summary: "errores-perfil",
      inputs: ["perfil", "institucion"],
      fields: { profile: "perfil", institution_rut: "institucion" },
    },
  };

  const TITLES = {
    course: "Listado de Participantes.",
    participant: "Revisión de asistencia de un participante",
    issue: "Emisión del certificado de asistencia – Ingreso N° factura/orden de compra",
    accept: "Aceptar el certificado de asistencia",
    annul: "Solicitud de Anulación Certificado.",
  };
  const OFFICER_TITLES = { home: "Solicitudes de anulación.", request: "Revisión de la solicitud de anulación." };

  const HELP = {
    login: {
      screen: "Autenticación de Usuarios.",
      steps: [
        "Ingreso R.u.t. persona natural (solo Administrador Nacional o regional) – Facilitadores sólo podrán visualizar.",
        "Ingrese CUS.",
      ],
      note: "Escriba su RUT sin puntos ni guión, terminando en el dígito verificador (por ejemplo, 123456785; si el dígito verificador es K, escriba K al final).",
    },
    profile: {
      screen: "Selección de Perfil / Institución.",
      steps: ["Seleccione Perfil.", "Seleccione entidad capacitadora."],
      note: "Las instituciones que aparecen dependen del perfil elegido. Puede cambiar de perfil más tarde con «Cambiar perfil».",
    },
    courses: {
      screen: "Cursos.",
      steps: [
        "Seleccione tipo de Programa.",
        "Seleccione criterio de búsqueda (por ejemplo, ingrese Código de curso o ID de Acción).",
        "Opción «Buscar».",
        "Presione el ícono del estado para visualizar el detalle del curso y su certificado.",
      ],
      note: "Todo lo que haga se aplica al perfil y a la institución que aparecen bajo su nombre.",
    },
    course: {
      screen: "Listado de Participantes.",
      steps: [
        "Para revisar la asistencia total hacer clic sobre el botón «Descargar Asistencia Total».",
        "Si desea revisar el detalle de asistencia por un participante, hacer clic sobre «Ver».",
      ],
      note: "En Impulsa Personas se marcan los participantes con menos de 75 % de asistencia.",
    },
    participant: {
      screen: "Revisión de asistencia de un participante.",
      steps: [
        "Revise las sesiones del libro de clases: las columnas «Hora Inicio» y «Hora Fin» son las marcas del participante.",
        "Para llevarse el detalle, hacer clic sobre el botón «Bajar Asistencia».",
      ],
      note: "Se encuentra considerado el tiempo de gracia de 20 minutos, luego de que el facilitador marcó su entrada e inicie la clase.",
    },
    issue: {
      screen: "Emisión del certificado de asistencia – Ingreso N° factura/orden de compra.",
      steps: [
        "Completar campo N° factura/Orden de compra.",
        "Hacer clic sobre el botón «Emitir Certificado».",
      ],
      note: "Antes de aceptar podrá revisar todos los datos del certificado; nada se emite en este paso.",
    },
    accept: {
      screen: "Aceptar el certificado de asistencia.",
      steps: [
        "Revise los datos del certificado, los participantes y las observaciones de «Revise antes de emitir».",
        "Para aceptar el certificado debe hacer clic sobre el botón «Acepto emitir el certificado».",
      ],
      note: "Una vez que emita el certificado no podrá volver a emitirlo: el curso se cerrará y no podrá realizar cambios posteriores.",
    },
    annul: {
      screen: "Solicitud de Anulación Certificado.",
      steps: [
        "Ingresar los motivos por los cuales solicita la anulación.",
        "Hacer clic sobre el botón «Envía Solicitud».",
      ],
      note: "La Dirección Regional de SENCE aprueba o rechaza la solicitud; mientras tanto el certificado queda Pendiente de Validación.",
    },
    annulments: {
      screen: "Solicitudes de anulación.",
      steps: [
        "Revise las solicitudes de anulación de certificados de los cursos de su región.",
        "Presione «Revisar» para ver los datos del certificado y resolver la solicitud.",
        "En «Exportaciones nocturnas», presione «Descargar» para bajar el Excel de los certificados emitidos y anulados en un día.",
      ],
      note: "",
    },
    request: {
      screen: "Revisión de la solicitud de anulación.",
      steps: [
        "Revise el motivo, los datos del certificado y sus participantes.",
        "Escriba un comentario si lo desea y presione «Aprobar» o «Rechazar»; se le pedirá confirmar.",
      ],
      note: "Aprobar anula el certificado y permite a la OTEC emitirlo nuevamente; rechazar lo mantiene vigente.",
    },
  };

  const state = {
    account: null, // {user, profiles} from the login answer
    principal: null, // {user, profile, profile_label, institution, regions}
    view: null,
    route: null, // {name: "home" | "course" | "participant" | "issue" | "accept" | "annul" | "request", …}
    busy: false,
    pendingNotice: null,
    firstRender: true,
  };

  const byId = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ storage

  function readStored(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch {
      return null;
    }
  }

  function writeStored(key, value) {
    try {
      if (value === null || value === undefined) {
        window.sessionStorage.removeItem(key);
      } else {
        window.sessionStorage.setItem(key, value);
      }
    } catch {
      // Private modes may refuse storage; the session then lasts until the page is left.
    }
  }

  function loadAccount() {
    const raw = readStored(STORE.account);
    if (!raw) return null;
    try {
      const account = JSON.parse(raw);
      return account && account.user && Array.isArray(account.profiles) ? account : null;
    } catch {
      return null;
    }
  }

  function saveAccount(account) {
    state.account = account;
    writeStored(STORE.account, account ? JSON.stringify(account) : null);
  }

  function sessionToken() {
    return readStored(STORE.sessionToken);
  }

  function loginToken() {
    return readStored(STORE.loginToken);
  }

  function clearSession() {
    writeStored(STORE.loginToken, null);
    writeStored(STORE.sessionToken, null);
    saveAccount(null);
    state.principal = null;
    // Whatever the features kept for this session (e.g. the last search) leaves with it.
    try {
      const keys = [];
      for (let index = 0; index < window.sessionStorage.length; index += 1) {
        keys.push(window.sessionStorage.key(index));
      }
      for (const key of keys) {
        if (key && key.startsWith(STORE_PREFIX)) window.sessionStorage.removeItem(key);
      }
    } catch {
      // Storage refused: nothing was kept.
    }
  }

  // ------------------------------------------------------------------ RUT

  function compactRut(raw) {
    return String(raw || "")
      .replace(/[.\s-]/g, "")
      .toUpperCase();
  }

  function rutCheckDigit(body) {
    let sum = 0;
    let weight = 2;
    for (let index = body.length - 1; index >= 0; index -= 1) {
      sum += Number(body[index]) * weight;
      weight = weight === 7 ? 2 : weight + 1;
    }
    const digit = 11 - (sum % 11);
    if (digit === 11) return "0";
    if (digit === 10) return "K";
    return String(digit);
  }

  /** The error message for a typed RUT, or null when it is a valid RUT. */
  function rutProblem(raw) {
    const rut = compactRut(raw);
    if (!rut) return MESSAGES.rutEmpty;
    if (!/^\d{1,8}[\dK]$/.test(rut)) return MESSAGES.rutFormat;
    if (rutCheckDigit(rut.slice(0, -1)) !== rut.slice(-1)) return MESSAGES.rutCheckDigit;
    return null;
  }

  // ------------------------------------------------------------------ API

  async function callApi(method, path, { body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      return { status: 0, data: null };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, data };
  }

  function apiError(result) {
    const error = result.data && result.data.error;
    if (error && error.message) return { message: String(error.message), field: error.field || null };
    return { message: result.status === 0 ? MESSAGES.unreachable : MESSAGES.unexpected, field: null };
  }

  function sessionExpired() {
    clearSession();
    state.pendingNotice = MESSAGES.expired;
    navigate(ROUTES.login);
  }

  /** What to say when an answer is not the one expected; null when the session ended instead. */
  function failure(result) {
    if (result.status === 401) {
      sessionExpired();
      return null;
    }
    return apiError(result).message;
  }

  /** The API as the signed-in user. */
  function api(method, path, options = {}) {
    return callApi(method, path, { token: sessionToken(), ...options });
  }

  // ------------------------------------------------------------------ shared with the features (window.GCA)

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A table cell: a node, or a text ("—" when there is none). */
  function cell(content, className) {
    const td = element("td", className);
    if (content instanceof Node) td.append(content);
    else td.textContent = content === null || content === undefined || content === "" ? "—" : String(content);
    return td;
  }

  /** One term and its value ("—" when there is none) at the end of a <dl class="facts">. */
  function fact(list, term, value, wide) {
    const item = element("div", `facts__item${wide ? " facts__item--wide" : ""}`);
    const dd = element("dd", "facts__value");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    item.append(element("dt", "facts__term", term), dd);
    list.append(item);
  }

  /** A table's caption: its name, and a line of detail below it. */
  function setCaption(captionId, text, detail) {
    const caption = element("span", "table__caption-text", text);
    caption.append(element("span", "table__caption-detail", detail));
    byId(captionId).replaceChildren(caption);
  }

  /**
   * The rows of a table that becomes one card per row on a phone: every cell says which column it belongs
   * to (the name of a column that only screen readers hear is not repeated).
   */
  function fillCardTable(table, rows) {
    const headers = [...table.tHead.rows[0].cells].map((th) =>
      th.querySelector(".visually-hidden") ? "" : th.textContent.trim(),
    );
    for (const row of rows) {
      [...row.cells].forEach((td, index) => {
        if (headers[index]) td.dataset.label = headers[index];
      });
    }
    table.tBodies[0].replaceChildren(...rows);
  }

  /** A status line (role="status"): kind is "error", "empty" or nothing; an empty message hides it. */
  function setStatus(id, message, kind) {
    const status = byId(id);
    status.textContent = message || "";
    status.classList.toggle("status-line--error", kind === "error");
    status.classList.toggle("status-line--empty", kind === "empty");
    status.hidden = !message;
  }

  /** A button at work: it looks busy and stays focusable (aria-disabled); check isBusy before acting. */
  function setBusy(button, busy) {
    button.setAttribute("aria-disabled", busy ? "true" : "false");
    button.classList.toggle("button--busy", busy);
  }

  function isBusy(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  /** A button at work that is also `disabled`: a double click must not send the request twice. */
  function setBusyDisabled(button, busy) {
    button.disabled = busy;
    button.classList.toggle("button--busy", busy);
  }

  /**
   * GET path for a screen, with "Cargando…" on the status line statusId. The answer's data; or null when
   * the screen changed meanwhile (isCurrent() is false), or once the reason it failed is on the status
   * line (or the session ended). valid(data) may ask more of an answer than a body.
   */
  async function load(path, statusId, isCurrent, valid = () => true) {
    setStatus(statusId, MESSAGES.loading);
    const result = await api("GET", path);
    if (!isCurrent()) return null;
    if (result.status !== 200 || !result.data || !valid(result.data)) {
      const message = failure(result);
      if (message) setStatus(statusId, message, "error");
      return null;
    }
    return result.data;
  }

  /** An answer {url, filename} starts its download, and the status line says so; false for any other answer. */
  function followDownload(result, statusId) {
    const link = result.status === 200 && result.data && result.data.url;
    if (!link || !/^https?:\/\//.test(link)) return false;
    setStatus(statusId, `Se inició la descarga de «${result.data.filename}».`);
    // A short-lived S3 link that answers as an attachment: the page stays where it is.
    window.location.assign(link);
    return true;
  }

  /** A file behind GET path, asked for by button; disable: the button is disabled meanwhile (setBusyDisabled). */
  async function download(path, button, statusId, { disable = false } = {}) {
    if (disable ? button.disabled : isBusy(button)) return;
    const busy = disable ? setBusyDisabled : setBusy;
    busy(button, true);
    setStatus(statusId, MESSAGES.preparing);
    const result = await api("GET", path);
    busy(button, false);
    if (followDownload(result, statusId)) return;
    const message = failure(result);
    if (message) setStatus(statusId, message, "error");
  }

  /**
   * The error summary of a form (the shell's GOV.UK pattern) for a message that is not about a field, with
   * a way out when there is one: link {href, text}. focus=false leaves the focus to the caller.
   */
  function showProblem(form, message, link, { focus = true } = {}) {
    const summary = byId(form.summary);
    const item = element("li", "error-summary__text", message);
    if (link) {
      const anchor = element("a", null, link.text);
      anchor.href = link.href;
      item.append(document.createTextNode(" "), anchor);
    }
    summary.querySelector("ul").replaceChildren(item);
    summary.hidden = false;
    if (focus) summary.focus();
  }

  /** A participant's attendance; the mark "Bajo N %" goes before the number, so that the numbers stay aligned. */
  function percentCell(percent, below, minimum) {
    const td = element("td", "numeric nowrap");
    if (below && minimum !== null && minimum !== undefined) {
      td.append(element("strong", "tag tag--below", `Bajo ${minimum} %`), document.createTextNode(" "));
    }
    td.append(element("span", "percent", `${percent} %`));
    return td;
  }

  /** "N participantes bajo el M % de asistencia" above a list of participants; hidden without a minimum or anyone. */
  function showBelowMinimum(paragraph, minimum, below, participants) {
    paragraph.hidden = minimum === null || minimum === undefined || !participants;
    if (paragraph.hidden) return;
    if (!below) paragraph.textContent = `Todos los participantes tienen ${minimum} % o más de asistencia.`;
    else if (below === 1) paragraph.textContent = `1 participante bajo el ${minimum} % de asistencia`;
    else paragraph.textContent = `${below} participantes bajo el ${minimum} % de asistencia`;
    paragraph.classList.toggle("below-summary--alert", below > 0);
  }

  /** 2017-01-02 → 02/01/2017, as the certificate screens of the manual write dates. */
  function slashDay(iso) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    return match ? `${match[3]}/${match[2]}/${match[1]}` : "";
  }

  /** {name, rut} → "name (rut)"; "" for nobody. */
  function nameWithRut(value) {
    return value ? `${value.name} (${value.rut})` : "";
  }

  // ------------------------------------------------------------------ page chrome

  function setTitle(view, withError) {
    const base = state.view === "home" && state.principal ? homeTitle().replace(/\.$/, "") : VIEWS[view].title;
    document.title = `${withError ? "Error: " : ""}${base} — ${SERVICE_NAME}`;
  }

  function showNotice(message) {
    const notice = byId("aviso-general");
    byId("aviso-general-texto").textContent = message || "";
    notice.hidden = !message;
  }

  function show(view, notice) {
    for (const [name, config] of Object.entries(VIEWS)) {
      byId(config.section).hidden = name !== view;
    }
    byId("cargando").hidden = true;
    state.view = view;
    showNotice(notice);
    byId("boton-cerrar-sesion").hidden = !(sessionToken() || loginToken());
    setTitle(view, false);
    // On a change of screen, tell screen readers where they are; not on the first load.
    if (!state.firstRender) byId(VIEWS[view].heading).focus();
    state.firstRender = false;
  }

  /** The login and profile forms: one request at a time. */
  function setFormBusy(button, busy) {
    state.busy = busy;
    setBusy(button, busy);
  }

  // ------------------------------------------------------------------ errors (GOV.UK pattern)

  function describedByWithout(input, errorId) {
    return (input.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter((id) => id && id !== errorId)
      .join(" ");
  }

  function clearErrors(formName) {
    clearFormErrors(FORMS[formName]);
  }

  /** form: {summary, inputs} — the id of the error summary and the ids of the inputs it may name. */
  function clearFormErrors(form) {
    const summary = byId(form.summary);
    summary.hidden = true;
    summary.querySelector("ul").replaceChildren();
    for (const inputId of form.inputs) {
      const input = byId(inputId);
      const message = byId(`${inputId}-error`);
      message.hidden = true;
      message.replaceChildren();
      input.removeAttribute("aria-invalid");
      const describedBy = describedByWithout(input, message.id);
      if (describedBy) input.setAttribute("aria-describedby", describedBy);
      else input.removeAttribute("aria-describedby");
      input.closest(".form-group").classList.remove("form-group--error");
    }
  }

  function focusField(input) {
    const label = document.querySelector(`label[for="${input.id}"]`);
    input.focus({ preventScroll: true });
    (label || input).scrollIntoView({ block: "start" });
  }

  /**
   * errors: [{input, message, inline}] — input is the id of the field the message is about;
   * inline=false keeps a message that is not about one field (e.g. a wrong RUT/clave pair)
   * out of the field while its summary link still leads there.
   */
  function showErrors(formName, errors) {
    showFormErrors(FORMS[formName], errors);
  }

  /** The API's refusal of the login or profile form, on the field it names when there is one. */
  function showApiError(formName, result) {
    const error = apiError(result);
    const inputId = FORMS[formName].fields[error.field];
    showErrors(formName, [{ input: inputId || null, message: error.message, inline: Boolean(inputId) }]);
  }

  function showFormErrors(form, errors) {
    const summary = byId(form.summary);
    const list = summary.querySelector("ul");
    list.replaceChildren();
    for (const error of errors) {
      const inputId = error.input || form.inputs[0];
      const item = element("li");
      const link = element("a", null, error.message);
      link.href = `#${inputId}`;
      link.addEventListener("click", (event) => {
        event.preventDefault(); // the hash belongs to the router
        focusField(byId(inputId));
      });
      item.append(link);
      list.append(item);
      if (error.input && error.inline !== false) {
        const input = byId(error.input);
        const message = byId(`${error.input}-error`);
        message.replaceChildren(element("span", "visually-hidden", "Error: "), document.createTextNode(error.message));
        message.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", `${describedByWithout(input, message.id)} ${message.id}`.trim());
        input.closest(".form-group").classList.add("form-group--error");
      }
    }
    summary.hidden = false;
    setTitle(state.view, true);
    summary.focus();
  }

  // ------------------------------------------------------------------ routing

  function navigate(route) {
    if (window.location.hash === route) {
      render();
    } else {
      window.location.hash = route; // the hashchange event renders
    }
  }

  function redirect(route) {
    window.history.replaceState(null, "", route);
    render();
  }

  /** The screen of the home view named by a hash, or null when the hash is not one of them. */
  function homeRoute(hash) {
    if (hash === ROUTES.home) return { name: "home" };
    let match = COURSE_ROUTE.exec(hash);
    if (match) return { name: "course", courseCode: match[1] };
    match = PARTICIPANT_ROUTE.exec(hash);
    if (match) return { name: "participant", courseCode: match[1], rut: match[2].toUpperCase() };
    match = ISSUE_ROUTE.exec(hash);
    if (match) return { name: match[2] ? "accept" : "issue", courseCode: match[1] };
    match = ANNUL_ROUTE.exec(hash);
    if (match) return { name: "annul", courseCode: match[1] };
    match = REQUEST_ROUTE.exec(hash);
    if (match) return { name: "request", requestId: match[1] };
    return null;
  }

  function render() {
    const notice = state.pendingNotice;
    state.pendingNotice = null;
    const hash = window.location.hash;
    if (hash === ROUTES.profile) {
      if (state.account && (sessionToken() || loginToken())) return renderProfile(notice);
      if (sessionToken()) return redirect(ROUTES.home);
      return redirect(ROUTES.login);
    }
    const route = homeRoute(hash);
    if (route) {
      if (!sessionToken()) {
        state.pendingNotice = notice;
        return redirect(ROUTES.login);
      }
      if (state.principal) return renderHome(notice, route);
      state.pendingNotice = notice;
      return restoreSession();
    }
    if (sessionToken()) {
      state.pendingNotice = notice;
      return redirect(ROUTES.home);
    }
    if (hash !== ROUTES.login) {
      state.pendingNotice = notice;
      return redirect(ROUTES.login);
    }
    return renderLogin(notice);
  }

  async function restoreSession() {
    const result = await callApi("GET", "/api/auth/me", { token: sessionToken() });
    if (result.status === 200 && result.data && result.data.user) {
      state.principal = result.data;
      render();
      return;
    }
    if (result.status === 401) {
      clearSession();
      state.pendingNotice = MESSAGES.expired;
      redirect(ROUTES.login);
      return;
    }
    // The service did not answer: keep the tokens (the next load may succeed) and offer the login.
    window.history.replaceState(null, "", ROUTES.login);
    renderLogin(apiError(result).message);
  }

  // ------------------------------------------------------------------ login

  function renderLogin(notice) {
    clearErrors("login");
    show("login", notice);
  }

  async function submitLogin(event) {
    event.preventDefault();
    if (state.busy) return;
    const button = byId("boton-ingresar");
    const rutInput = byId("rut");
    const passwordInput = byId("clave");
    clearErrors("login");
    showNotice(null);

    const errors = [];
    const rutMessage = rutProblem(rutInput.value);
    if (rutMessage) errors.push({ input: "rut", message: rutMessage });
    if (!passwordInput.value) errors.push({ input: "clave", message: MESSAGES.passwordEmpty });
    if (errors.length) {
      showErrors("login", errors);
      return;
    }

    setFormBusy(button, true);
    const result = await callApi("POST", "/api/auth/login", {
      body: { rut: compactRut(rutInput.value), password: passwordInput.value },
    });
    setFormBusy(button, false);

    if (result.status === 200 && result.data && result.data.token) {
      writeStored(STORE.sessionToken, null);
      writeStored(STORE.loginToken, result.data.token);
      state.principal = null;
      saveAccount({ user: result.data.user, profiles: result.data.profiles || [] });
      passwordInput.value = "";
      navigate(ROUTES.profile);
      return;
    }
    if (result.status === 401 || result.status === 429) passwordInput.value = "";
    showApiError("login", result);
  }

  // ------------------------------------------------------------------ profile and institution

  function distinctBy(items, keyOf) {
    const seen = new Set();
    return items.filter((item) => {
      const key = keyOf(item);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  function fillSelect(select, options, selectedValue) {
    select.replaceChildren(
      ...options.map(({ value, text }) => {
        const option = element("option", null, text);
        option.value = value;
        return option;
      }),
    );
    if (options.some((option) => option.value === selectedValue)) select.value = selectedValue;
    else if (options.length) select.value = options[0].value;
  }

  function fillInstitutions(preferredRut) {
    const profile = byId("perfil").value;
    const grants = state.account.profiles.filter((grant) => grant.profile === profile);
    const institutions = distinctBy(grants, (grant) => grant.institution.rut).map((grant) => ({
      value: grant.institution.rut,
      text: grant.institution.name,
    }));
    fillSelect(byId("institucion"), institutions, preferredRut);
  }

  function renderProfile(notice) {
    const { user, profiles } = state.account;
    const current = state.principal;
    byId("saludo-perfil").textContent = `Hola, ${user.name}`;
    const options = distinctBy(profiles, (grant) => grant.profile).map((grant) => ({
      value: grant.profile,
      text: grant.profile_label,
    }));
    fillSelect(byId("perfil"), options, current ? current.profile : null);
    fillInstitutions(current ? current.institution.rut : null);
    clearErrors("profile");
    show("profile", notice);
    if (!profiles.length) showErrors("profile", [{ input: "perfil", message: MESSAGES.noProfiles }]);
  }

  async function submitProfile(event) {
    event.preventDefault();
    if (state.busy) return;
    const button = byId("boton-seleccionar");
    const profile = byId("perfil").value;
    const institutionRut = byId("institucion").value;
    clearErrors("profile");
    showNotice(null);

    const errors = [];
    if (!profile) errors.push({ input: "perfil", message: MESSAGES.profileEmpty });
    if (!institutionRut) errors.push({ input: "institucion", message: MESSAGES.institutionEmpty });
    if (errors.length) {
      showErrors("profile", errors);
      return;
    }

    setFormBusy(button, true);
    // A session token may choose again ("Cambiar perfil"); right after login only the login token exists.
    const result = await callApi("POST", "/api/auth/profile", {
      body: { profile, institution_rut: institutionRut },
      token: sessionToken() || loginToken(),
    });
    setFormBusy(button, false);

    if (result.status === 200 && result.data && result.data.token) {
      const { token, ...principal } = result.data;
      writeStored(STORE.sessionToken, token);
      writeStored(STORE.loginToken, null);
      state.principal = principal;
      navigate(ROUTES.home);
      return;
    }
    if (result.status === 401) {
      sessionExpired();
      return;
    }
    showApiError("profile", result);
  }

  // ------------------------------------------------------------------ home

  function isOfficer(principal) {
    return Boolean(principal && principal.profile === OFFICER_PROFILE);
  }

  /** The names of a SENCE officer's regions, for the inbox and the exports. */
  function regionNames(principal) {
    const regions = (principal && principal.regions) || [];
    return regions.map((region) => region.name).join(", ") || "su región";
  }

  function homeTitle() {
    const name = state.route && state.route.name;
    if (isOfficer(state.principal)) return OFFICER_TITLES[name] || OFFICER_TITLES.home;
    return TITLES[name] || "Cursos.";
  }

  function renderHome(notice, route) {
    const principal = state.principal;
    // The course screens are for training bodies; a SENCE officer has only the inbox and its requests.
    const allowed = route.name === "home" || OFFICER_SCREENS.includes(route.name) === isOfficer(principal);
    if (!allowed) {
      state.pendingNotice = notice;
      redirect(ROUTES.home);
      return;
    }
    state.route = route;
    byId("titulo-inicio").textContent = homeTitle();
    byId("saludo-nombre").textContent = `Hola, ${principal.user.name}`;
    byId("saludo-perfil-actual").textContent = principal.profile_label;
    byId("saludo-institucion").textContent = principal.institution.name;
    byId("cambiar-perfil-parrafo").hidden = !(state.account && state.account.profiles.length > 1);

    const intro = byId("contenido-intro");
    intro.hidden = route.name !== "home";
    if (isOfficer(principal)) {
      intro.textContent =
        "Solicitudes de anulación de certificados de los cursos de " +
        `${regionNames(principal)} que esperan su aprobación o rechazo.`;
    } else {
      intro.textContent =
        "Seleccione Tipo de Búsqueda (Se debe seleccionar el tipo de búsqueda por los distintos criterios Pre-Definidos)";
    }
    show("home", notice);
    // The features (courses.js, certificates.js, annulments.js) render their screen into #contenido.
    document.dispatchEvent(new CustomEvent("gca:inicio", { detail: { principal, route } }));
  }

  function logOut() {
    clearSession();
    byId("form-ingreso").reset();
    clearErrors("login");
    clearErrors("profile");
    state.pendingNotice = MESSAGES.loggedOut;
    navigate(ROUTES.login);
  }

  // ------------------------------------------------------------------ help

  function openHelp() {
    let help = HELP.login;
    if (state.view === "profile") help = HELP.profile;
    if (state.view === "home") {
      const name = state.route && state.route.name;
      if (isOfficer(state.principal)) help = name === "request" ? HELP.request : HELP.annulments;
      else help = HELP[name] || HELP.courses;
    }
    byId("ayuda-pantalla").textContent = `Pantalla: ${help.screen}`;
    byId("ayuda-pasos").replaceChildren(...help.steps.map((step) => element("li", null, step)));
    const note = byId("ayuda-nota");
    note.textContent = help.note;
    note.hidden = !help.note;
    const dialog = byId("ayuda");
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }

  // ------------------------------------------------------------------ start

  function start() {
    state.account = loadAccount();
    byId("form-ingreso").addEventListener("submit", submitLogin);
    byId("form-perfil").addEventListener("submit", submitProfile);
    byId("perfil").addEventListener("change", () => fillInstitutions(null));
    byId("boton-cerrar-sesion").addEventListener("click", logOut);
    byId("boton-ayuda").addEventListener("click", openHelp);
    const dialog = byId("ayuda");
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close(); // a click on the backdrop
    });
    byId("saltar").addEventListener("click", (event) => {
      event.preventDefault(); // the hash belongs to the router
      byId("contenido-principal").focus();
    });
    window.addEventListener("hashchange", render);
    render();
  }

  // A small, stable surface for the features that fill #contenido. They load after this file and take
  // what they use from it as they load; so the first render waits for the document (and them).
  window.GCA = Object.freeze({
    api,
    principal: () => state.principal,
    // The GOV.UK error summary of the login page, for any form: {summary, inputs} are element ids;
    // errors are [{input, message, inline}] as for showErrors above.
    showErrors: (form, errors) => showFormErrors(form, errors),
    clearErrors: (form) => clearFormErrors(form),
    showProblem,
    // What to say when an answer is not the one expected; null when the session ended (and the login shows).
    failure,
    messages: Object.freeze({
      unreachable: MESSAGES.unreachable,
      unexpected: MESSAGES.unexpected,
      loading: MESSAGES.loading,
    }),
    // Another screen, with a message for the top of it (e.g. "Solicitud enviada…").
    go: (route, notice) => {
      state.pendingNotice = notice || null;
      navigate(route);
    },
    // The same, without leaving the current address in the history (a step that cannot be shown).
    replace: (route) => redirect(route),
    // A screen that changes step without changing route names its step in the h1 and the title.
    setHeading: (text) => {
      const heading = byId("titulo-inicio");
      heading.textContent = text;
      document.title = `${text.replace(/\.$/, "")} — ${SERVICE_NAME}`;
      heading.focus();
    },
    isOfficer,
    regionNames,
    compactRut,
    // Building the screens: elements, cells, facts, tables, status lines, buttons at work, downloads.
    element,
    cell,
    fact,
    setCaption,
    fillCardTable,
    percentCell,
    showBelowMinimum,
    slashDay,
    nameWithRut,
    setStatus,
    setBusy,
    isBusy,
    setBusyDisabled,
    load,
    followDownload,
    download,
  });

  // Deferred scripts all run before DOMContentLoaded: the features' `gca:inicio` listeners are in place by then.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
