// Okno agent UI (no inline scripts: the CSP forbids them)
