"""`make run`: the local AWS stack, the demo data and `chalice local`, stopped together on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from devtools.local_stack import LOCAL_ENV, start_moto, stop, wait_for_http

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("MOTO_PORT", "4566"))
    endpoint = f"http://127.0.0.1:{moto_port}"
    env = {
        **os.environ,
        **LOCAL_ENV,
        "AWS_ENDPOINT_URL": endpoint,
        "GCA_STAGE": "local",
        "GCA_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "GCA_OUTBOX_DIR": str(ROOT / "var" / "outbox"),
    }
    os.environ.update(env)
    log_dir = ROOT / "var"
    log_dir.mkdir(exist_ok=True)
    print(f"Iniciando AWS local (moto) en {endpoint} …", flush=True)
    moto = start_moto(moto_port, str(log_dir / "moto.log"))
    server: subprocess.Popen[bytes] | None = None
    poller: subprocess.Popen[bytes] | None = None
    try:
        from devtools.demo_data import DEMO_LCE_KEYS, DEMO_LOGINS, DEMO_PASSWORD, DEMO_REGISTRY_KEY, load_demo_data
        from devtools.resources import create_resources

        create_resources()
        print(f"Datos de demostración: {load_demo_data()}", flush=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "devtools.serve", "--stage", "local", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
        )
        poller = subprocess.Popen([sys.executable, "-m", "devtools.sqs_poller"], cwd=ROOT, env=env)
        wait_for_http(f"http://127.0.0.1:{port}/api/health", timeout=60)
        print(f"\nGCA está en http://127.0.0.1:{port}/  (Ctrl-C para detener)\n", flush=True)
        print(f"Usuarios de demostración (clave {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            print(f"  {login.rut.replace('.', '').replace('-', ''):>10}  {login.name} — {login.description}")
        print(f"Correos enviados (SES local): {env['GCA_OUTBOX_DIR']}/*.html — ábralos y siga el enlace.")
        print("Clave de API del LCE (demostración), cabecera X-Api-Key:")
        for rut, key in DEMO_LCE_KEYS.items():
            print(f"  {rut}: {key}")
        print(f"Clave de API del registro de cursos SENCE (PUT /api/registry/…): {DEMO_REGISTRY_KEY}")
        print(flush=True)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        server.wait()
        return server.returncode or 0
    except KeyboardInterrupt:
        print("\nDeteniendo …", flush=True)
        return 0
    finally:
        for process in (poller, server):
            if process is not None:
                stop(process)
        stop(moto)


if __name__ == "__main__":
    sys.exit(main())
