"""callcenter.switch"""
