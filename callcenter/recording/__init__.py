"""callcenter.recording"""
