"""IVR prompt files: convert uploaded MP3/WAV into the WAVs FreeSWITCH plays."""

from callcenter.prompts.convert import RATES, ImportedPrompt, PromptError, import_prompt

__all__ = ["RATES", "ImportedPrompt", "PromptError", "import_prompt"]
