"""Policy: rule packs, severities, guideline vs gate, waivers -> decisions."""
