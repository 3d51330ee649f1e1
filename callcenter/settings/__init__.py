"""The settings sections, one module per feature; ``callcenter.config`` assembles them."""
