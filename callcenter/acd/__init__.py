"""callcenter.acd"""
