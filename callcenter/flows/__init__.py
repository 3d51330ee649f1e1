"""IVR flows kept in the database: versions, publishing, hotline numbers, import and export."""
