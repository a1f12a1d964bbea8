// Live results: re-fetch the server-rendered #live fragment every 3 s and swap
// it in when it changed. Paused while the tab is hidden or the user is working
// inside #live (so sort/paging links are not pulled from under the focus).
const live = document.getElementById('live');
if (live?.dataset.liveSrc) init(live);

function init(live) {
  const src = live.dataset.liveSrc;
  let lastText = null;
  let inFlight = false;
  let again = false;
  let count = 0;

  function parse(text) {
    const tpl = document.createElement('template');
    // Our own origin, escaped by the server's templates (see the web contract).
    tpl.innerHTML = text;
    const frag = tpl.content;
    const inner = frag.children.length === 1 && frag.firstElementChild.id === 'live' ? frag.firstElementChild : null;
    if (inner) frag.replaceChildren(...inner.childNodes);
    return frag;
  }

  // The first fetch may equal what the server already rendered: no swap then.
  function same(frag) {
    const a = frag.childNodes, b = live.childNodes;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!a[i].isEqualNode(b[i])) return false;
    return true;
  }

  async function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      const res = await fetch(src, { headers: { Accept: 'text/html' }, cache: 'no-store' });
      if (!res.ok) return;
      const text = await res.text();
      if (text === lastText) return;
      lastText = text;
      const frag = parse(text);
      if (same(frag)) return;
      live.replaceChildren(frag);
      document.body.dataset.liveUpdates = String(++count);
    } catch {
      // A dropped request is retried by the next tick.
    } finally {
      inFlight = false;
      if (again) { again = false; refresh(); }
    }
  }

  setInterval(() => {
    if (document.hidden || live.contains(document.activeElement)) return;
    refresh();
  }, 3000);
  document.addEventListener('votehub:voted', refresh);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}
