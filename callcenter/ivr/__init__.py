"""callcenter.ivr"""
