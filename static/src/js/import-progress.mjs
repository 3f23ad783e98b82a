// Moves an import's progress bar in place, then shows the report when it is
// ready. Without JavaScript the page has a "Check progress" button instead.
const POLL_EVERY_MS = 1500;

function follow(element) {
  const url = element.dataset.progressUrl;
  const bar = element.querySelector("progress");
  const text = element.querySelector("[data-progress-text]");
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        if (state.finished) {
          window.location.reload();
          return;
        }
        bar.value = state.progress;
        bar.textContent = `${state.progress}%`;
        text.textContent = `${state.progress}% done`;
      }
    } catch {
      // A dropped connection is not the import failing: try again shortly.
    }
    window.setTimeout(poll, POLL_EVERY_MS);
  };
  window.setTimeout(poll, POLL_EVERY_MS);
}

document.querySelectorAll('[data-module="app-import-progress"]').forEach(follow);
