"""callcenter.store"""
