// Progressive enhancement only: every page works without this script. It adds "Copy" buttons next to a
// secret and its curl line (the fields stay selectable by hand).
for (const button of document.querySelectorAll('button.copy[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    await navigator.clipboard.writeText(field.value);
    button.textContent = 'Copied';
  });
}
