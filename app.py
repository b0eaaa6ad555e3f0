"""GCA: wiring only. Routes live in chalicelib/handlers, rules in chalicelib/domain."""

from chalice import Chalice

from chalicelib.handlers import (
    annulments,
    auth,
    bundles,
    certificates,
    courses,
    data_subjects,
    exports,
    health,
    lce,
    notifier,
    openapi,
    registry,
    ui,
    verification,
    worklist,
)
from chalicelib.handlers.middleware import correlate_requests
from chalicelib.handlers.observability import middlewares

app = Chalice(app_name="gca")
# Uploaded PDFs (verification) arrive as bytes, not text.
app.api.binary_types.extend(["application/pdf", "multipart/form-data"])
for middleware in middlewares():
    app.register_middleware(middleware)
app.register_middleware(correlate_requests, "http")
app.register_blueprint(health.bp)
app.register_blueprint(auth.bp)
app.register_blueprint(courses.bp)
app.register_blueprint(lce.bp)
app.register_blueprint(registry.bp)
app.register_blueprint(certificates.bp)
app.register_blueprint(annulments.bp)
app.register_blueprint(notifier.bp)
app.register_blueprint(exports.bp)
app.register_blueprint(bundles.bp)
app.register_blueprint(verification.bp)
app.register_blueprint(data_subjects.bp)
app.register_blueprint(worklist.bp)
app.register_blueprint(openapi.bp)
app.register_blueprint(ui.bp)
