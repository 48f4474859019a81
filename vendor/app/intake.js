// The report form's enhancements (50-web-ui §15, §17): registers the SHA-256
// proof-of-work worker that ALTCHA's "external" build needs (its URL comes
// from the widget's data-worker-url, so it keeps its hashed name), and turns
// the project select into a filterable one fed by /report/projects.json.
// Without JavaScript the plain select works and the form explains the
// spam check.

const widget = document.querySelector('altcha-widget[data-worker-url]');
if (widget && globalThis.$altcha) {
  const url = widget.dataset.workerUrl;
  globalThis.$altcha.algorithms.set('SHA-256', () => new Worker(url));
}

const filter = document.getElementById('f-project-filter');
const select = document.getElementById('f-project_slug');
if (filter && select) {
  // The first two options ("Select a project…", "I don't know") always stay.
  const fixed = Array.from(select.options).slice(0, 2);
  let timer = null;
  let asked = 0;
  filter.hidden = false;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ask = ++asked;
      const url = new URL(filter.dataset.projectsUrl, window.location.origin);
      url.searchParams.set('q', filter.value.trim());
      const resp = await fetch(url, { headers: { Accept: 'application/json' } });
      if (!resp.ok || ask !== asked) return;
      const projects = await resp.json();
      const chosen = select.value;
      select.replaceChildren(...fixed);
      for (const p of projects) {
        const option = new Option(`${p.name} (${p.slug})`, p.slug);
        option.selected = p.slug === chosen;
        select.append(option);
      }
    }, 200);
  });
}
