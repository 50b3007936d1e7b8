"""Pack what the campaign has made so far into $OUT (small files only): results, logs, per-koan tables of every run,
cycle records, nights' summaries and the basis spectra; and print a short status.

    python bench/gpu/collect.py --out /root/campaign-out --home /root/sc --dest $OUT
"""
import argparse, io, json, sqlite3, tarfile, time
from pathlib import Path

def per_koan_tables(db: Path) -> dict[str, str]:
    "CSV text of each run's per-koan results (final attempts), by run name"
    out = {}
    if not db.exists(): return out
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    for rid, name in con.execute("select id, name from runs"):
        rows = con.execute("select koan, family, attempt, final, passed, compiled, adapter, tokens_out, gen_seconds, reason from episodes "
                           "where run_id=? order by koan, attempt", (rid,)).fetchall()
        buf = io.StringIO(); buf.write("koan,family,attempt,final,passed,compiled,adapter,tokens_out,gen_seconds,reason\n")
        for r in rows: buf.write(",".join('"' + str(x).replace('"', "'")[:200] + '"' if isinstance(x, str) else str(x) for x in r) + "\n")
        out[name] = buf.getvalue()
    return out

def spectra(night: Path) -> dict:
    from safetensors import safe_open
    f = night/"share"/"basis.safetensors"
    if not f.exists(): return {}
    out = {}
    with safe_open(str(f), "pt") as s:
        for k in s.keys():
            if k.startswith(("sv_B.", "sv_A.")): out[k] = s.get_tensor(k).tolist()
    return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--out", default="/root/campaign-out"); ap.add_argument("--home", default="/root/sc")
    ap.add_argument("--dest", required=True); a = ap.parse_args()
    out, home, dest = Path(a.out), Path(a.home), Path(a.dest); dest.mkdir(parents=True, exist_ok=True)
    tar = tarfile.open(dest/"results.tgz", "w:gz")
    def add(name, text):
        b = text.encode(); ti = tarfile.TarInfo(name); ti.size = len(b); ti.mtime = time.time(); tar.addfile(ti, io.BytesIO(b))
    for f in sorted(out.glob("*")) + sorted(out.glob("*/*")):   # a stream of another model writes under its own folder (--out R/05b)
        if f.is_file() and f.stat().st_size < 4_000_000: tar.add(f, arcname=f"out/{f.relative_to(out)}")
    for db in sorted(home.glob("episodes*.sqlite")):
        for name, csv in per_koan_tables(db).items(): add(f"runs/{db.stem}/{name}.csv", csv)
    def add_night(n: Path, to: str):
        "A night's summary, router, library metadata and basis spectra"
        for f in ("night.json", "router.json", "router-unchecked.json"):
            if (n/f).exists(): tar.add(n/f, arcname=f"{to}/{f}")
        if (n/"library").exists():
            metas = {m.parent.name: json.loads(m.read_text()) for m in (n/"library").glob("*/meta.json")}
            add(f"{to}/library.json", json.dumps(metas, indent=1))
        sp = spectra(n)
        if sp: add(f"{to}/spectra.json", json.dumps(sp))
    for c in sorted((home/"campaign"/"cycles").glob("[0-9][0-9][0-9]")):
        if (c/"cycle.json").exists(): tar.add(c/"cycle.json", arcname=f"cycles/{c.name}/cycle.json")
        add_night(c/"night", f"cycles/{c.name}")
    for exp in sorted(home.glob("campaign-exp*")):   # the experiment night and the seeds' nights (campaign-exp-MODEL: another model's)
        for n in [exp/"night", *sorted(exp.glob("seed[0-9]"))]: add_night(n, f"{exp.name.replace('campaign-', '')}/{n.name}")
    tar.close()
    print(f"packed {(dest/'results.tgz').stat().st_size / 1e6:.2f} MB")
    for log in sorted(out.glob("*.log")):
        text = log.read_text(errors="replace")
        lines = [l for l in text.splitlines() if l.startswith("[")]
        tail = text.replace("\r", "\n").rstrip().splitlines()[-1:] if text.strip() else ["(empty)"]
        print(f"== {log.name}: " + " | ".join(lines[-6:]) + f"\n   last line: {tail[0][-300:]}")   # a stream stuck before its first stage shows here

if __name__ == "__main__": main()
