"""GCA: wiring only. Routes live in chalicelib/handlers, rules in chalicelib/domain."""

from chalice import Chalice

from chalicelib.handlers import auth, courses, health, lce, openapi, ui
from chalicelib.handlers.middleware import correlate_requests

app = Chalice(app_name="gca")
app.register_middleware(correlate_requests, "http")
app.register_blueprint(health.bp)
app.register_blueprint(auth.bp)
app.register_blueprint(courses.bp)
app.register_blueprint(lce.bp)
app.register_blueprint(openapi.bp)
app.register_blueprint(ui.bp)
