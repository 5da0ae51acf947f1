#!/usr/bin/env python3
"""Drive the counsellors' page in headless Chromium over the DevTools protocol (CDP).

Checks that filtering works the way a counsellor uses it: choose a zone, type a search with
real key input after clicking the search box, click an employer to open its explanation, and
compare the displayed count with the rows that should match. Saves a screenshot after each
step. Needs Python 3.11 and the `websockets` package (pip install websockets).

Usage: cdp_check.py PAGE.html OUT_DIR [CHROMIUM]
"""
import asyncio, base64, json, os, pathlib, socket, subprocess, sys, tempfile, time, urllib.request

import websockets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cdp:
    def __init__(self, ws):
        self.ws, self.n = ws, 0

    async def call(self, method, **params):
        self.n += 1
        my = self.n
        await self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def js(self, expr):
        r = await self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS error in {expr!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    async def click(self, selector):
        box = await self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.x + 10, r.y + r.height / 2]; })()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    async def shot(self, path):
        r = await self.call("Page.captureScreenshot", format="png")
        pathlib.Path(path).write_bytes(base64.b64decode(r["data"]))
        print(f"screenshot {path}")


async def main(page: str, out: str, chromium: str) -> int:
    port = free_port()
    profile = tempfile.mkdtemp()
    proc = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                             "--disable-background-networking", "--no-first-run",
                             f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
                             "--window-size=1280,1400", pathlib.Path(page).resolve().as_uri()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failures = []
    try:
        targets = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
                    targets = [t for t in json.load(r) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        if not targets:
            print("chromium did not start", file=sys.stderr)
            return 2
        async with websockets.connect(targets[0]["webSocketDebuggerUrl"], max_size=None) as ws:
            cdp = Cdp(ws)
            await cdp.call("Page.enable")
            for _ in range(50):
                if await cdp.js("document.readyState") == "complete":
                    break
                await asyncio.sleep(0.1)
            shown = lambda: cdp.js("parseInt(document.getElementById('n-shown').textContent, 10)")
            visible = lambda: cdp.js("Array.from(document.querySelectorAll('details.emp')).filter(e => !e.hidden).length")
            total = await cdp.js("document.querySelectorAll('details.emp').length")
            n0 = await shown()
            print(f"rows {total}, shown at load {n0}")
            if n0 != total:
                failures.append(f"at load: {n0} shown of {total}")
            await cdp.shot(os.path.join(out, "counsellor-1-load.png"))

            # 1. Zone filter: the zone of a "Sévigné" employer, so step 2 has something to find.
            zone = await cdp.js("Array.from(document.querySelectorAll('details.emp'))"
                                ".find(e => e.getAttribute('data-q').includes('sevigne')).getAttribute('data-zone')")
            await cdp.js(f"(() => {{ const s = document.getElementById('f-zone'); s.value = {json.dumps(zone)};"
                         " s.dispatchEvent(new Event('change')); })()")
            want = await cdp.js(f"document.querySelectorAll('details.emp[data-zone=\"{zone}\"]').length")
            n1, v1 = await shown(), await visible()
            print(f"zone {zone}: shown {n1}, visible {v1}, expected {want}")
            if not (n1 == v1 == want and 0 < want < total):
                failures.append(f"zone filter: shown {n1}, visible {v1}, expected {want}")

            # 2. Search: click into the box and type with real key events ("sevigne" without accents).
            await cdp.click("#f-q")
            await cdp.call("Input.insertText", text="sevigne")
            await asyncio.sleep(0.1)
            n2, v2 = await shown(), await visible()
            want2 = await cdp.js(
                f"Array.from(document.querySelectorAll('details.emp[data-zone=\"{zone}\"]'))"
                ".filter(e => e.getAttribute('data-q').includes('sevigne')).length")
            print(f"search 'sevigne' in zone {zone}: shown {n2}, visible {v2}, expected {want2}")
            if not (n2 == v2 == want2 and 0 < want2 < want):
                failures.append(f"search: shown {n2}, visible {v2}, expected {want2}")

            # 3. Click the first visible employer: its explanation opens.
            first = await cdp.js("(() => { const e = Array.from(document.querySelectorAll('details.emp')).find(e => !e.hidden);"
                                 " e.id = 'first-visible'; return e.querySelector('.nm').textContent; })()")
            await cdp.click("#first-visible > summary")
            await asyncio.sleep(0.1)
            opened = await cdp.js("document.getElementById('first-visible').open")
            print(f"clicked {first!r}: open={opened}")
            if not opened:
                failures.append("click did not open the explanation")
            await cdp.shot(os.path.join(out, "counsellor-2-filtered.png"))

            # 4. Minimum level "très engagée": only levels >= 2 remain; clear the search first.
            await cdp.js("(() => { const q = document.getElementById('f-q'); q.value = ''; q.dispatchEvent(new Event('input'));"
                         " const z = document.getElementById('f-zone'); z.value = ''; z.dispatchEvent(new Event('change'));"
                         " const l = document.getElementById('f-level'); l.value = '2'; l.dispatchEvent(new Event('change')); })()")
            n4 = await shown()
            want4 = await cdp.js("Array.from(document.querySelectorAll('details.emp')).filter(e => +e.getAttribute('data-level') >= 2).length")
            print(f"level >= 2: shown {n4}, expected {want4}")
            if n4 != want4:
                failures.append(f"level filter: shown {n4}, expected {want4}")
            await cdp.shot(os.path.join(out, "counsellor-3-level.png"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    print("counsellor page filtering: OK")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "chromium")))
