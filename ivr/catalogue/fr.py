"""Every text of the product in French (fr-CA)."""

MESSAGES = {
    # --- common -------------------------------------------------------------------------
    "common.city": "Ville de Saguenay",

    # --- hotline (ivr/hotline) ----------------------------------------------------------
    "common.goodbye": "Merci. Au revoir.",
    "common.error": "Désolé, une erreur s'est produite. Veuillez rappeler plus tard. Au revoir.",
    "sms.temporary_password": ("Ville de Saguenay : votre mot de passe temporaire de la ligne "
                               "des appels d'urgence est {code}. Vous le changerez à votre "
                               "prochain appel."),
    "hotline.welcome": "Ville de Saguenay, ligne des appels d'urgence.",
    "hotline.no_input": "Je n'ai rien entendu.",
    "hotline.invalid": "Ce choix n'est pas valide.",
    "hotline.too_many_strikes": "Nous n'avons pas pu continuer. Rappelez quand vous voulez.",
    "hotline.option.staff": "Pour parler à un employé, appuyez sur 0.",
    "hotline.option.repeat": "Pour réécouter, appuyez sur 9.",
    "hotline.staff.transfer": "Un instant, je vous transfère à un employé.",
    "hotline.staff.closed": "Nos employés répondent de {start} à {end}. Rappelez à ce moment-là.",
    "hotline.language.prompt": "Pour le français, appuyez sur 1.",
    "hotline.language.name.fr": "français",
    "hotline.language.name.en": "anglais",
    "hotline.enter_number.prompt": ("Composez le numéro de téléphone à 10 chiffres, avec "
                                    "l'indicatif régional, puis le carré."),
    "hotline.number.area_code": "Il manque des chiffres. Il faut les 10 chiffres, avec l'indicatif.",
    "hotline.number.too_long": "Il y a trop de chiffres.",
    "hotline.number.invalid": "Ce numéro n'existe pas.",
    "hotline.confirm_number.prompt": ("Vous avez composé le {number}. Si c'est exact, appuyez "
                                      "sur 1. Pour recommencer, appuyez sur 2."),
    "hotline.unregistered.prompt": ("Le numéro {number} n'est pas inscrit. Pour inscrire ce "
                                    "numéro, appuyez sur 1. Pour un autre numéro, appuyez sur 2."),
    "hotline.auth.prompt": ("Composez votre mot de passe, puis le carré. Si vous l'avez oublié, "
                            "appuyez sur l'étoile."),
    "hotline.auth.wrong": "Ce mot de passe n'est pas le bon.",
    "hotline.auth.too_many": "Trop d'essais.",
    "hotline.auth.locked": ("Après trop d'essais, l'accès par téléphone de ce numéro est bloqué "
                            "pour {minutes} minutes. Rappelez plus tard."),
    "hotline.auth.temporary": "Choisissez maintenant un nouveau mot de passe.",
    "hotline.forgot.call": ("Nous allons vous rappeler au {number} dans un instant, pour vous "
                            "dire un mot de passe temporaire. Raccrochez maintenant."),
    "hotline.forgot.sms": "Nous envoyons un mot de passe temporaire par texto au {number}.",
    "hotline.forgot.limit": "Vous avez déjà demandé 3 mots de passe aujourd'hui. Rappelez demain.",
    "hotline.account.prompt": ("Votre numéro est inscrit. Les appels d'alerte sont {state}. "
                               "Pour les {toggle}, appuyez sur 1. Pour changer votre mot de "
                               "passe, appuyez sur 2. Pour entendre vos informations, appuyez "
                               "sur 3. Pour changer la langue des appels, appuyez sur 4. Pour "
                               "désinscrire votre résidence, appuyez sur 5."),
    "hotline.state.on": "activés",
    "hotline.state.off": "désactivés",
    "hotline.toggle.on": "activer",
    "hotline.toggle.off": "désactiver",
    "hotline.account.alerts_now": "Les appels d'alerte sont maintenant {state}.",
    "hotline.account.info": "Numéro : {number}. Adresse : {address}. Langue des appels : {language}.",
    "hotline.account.address_review": "l'adresse que vous avez dite, en vérification",
    "hotline.choose_language.prompt": ("Pour recevoir les appels en français, appuyez sur 1. "
                                       "En anglais, appuyez sur 2."),
    "hotline.choose_language.done": "Les appels d'alerte seront en {language}.",
    "hotline.unregister.prompt": ("Pour confirmer la désinscription de votre résidence, appuyez "
                                  "sur 1. Pour la garder, appuyez sur 2."),
    "hotline.unregister.done": "Votre résidence est désinscrite. Vous ne recevrez plus d'appels d'alerte.",
    "hotline.pin_changed": "Votre nouveau mot de passe est enregistré. Conservez-le.",
    "hotline.consent.prompt": ("La Ville vous appellera lors de mesures d'urgence, d'actions en "
                               "sécurité civile ou de situations majeures, comme un avis "
                               "d'ébullition. Pour accepter, appuyez sur 1. Pour annuler, "
                               "appuyez sur 2."),
    "hotline.consent.cancelled": "L'inscription est annulée.",
    "hotline.civic.prompt": "Composez votre numéro civique, puis le carré.",
    "hotline.apartment.prompt": ("Composez votre numéro d'appartement, puis le carré. Sans "
                                 "appartement, appuyez seulement sur le carré."),
    "hotline.address_choice.item": "Pour le {address}, appuyez sur {digit}.",
    "hotline.address_choice.prompt": "{choices} Si votre adresse n'est pas dans la liste, appuyez sur 0.",
    "hotline.street_letters.prompt": ("Plusieurs rues ont ce numéro. Composez les premières "
                                      "lettres du nom de la rue, sans le mot rue ou boulevard, "
                                      "puis le carré."),
    "hotline.street_letters.more": "Il y a encore plusieurs rues. Ajoutez des lettres.",
    "hotline.address.not_found": "Je ne trouve pas cette adresse dans la liste de la Ville.",
    "hotline.address_record.prompt": ("Après le bip, dites votre adresse complète, avec la "
                                      "ville, puis appuyez sur le carré."),
    "hotline.address_taken.prompt": ("Cette adresse a déjà un numéro inscrit : un seul numéro "
                                     "par résidence. Pour entrer une autre adresse, appuyez sur 1."),
    "hotline.name_record.prompt": ("Après le bip, dites votre nom et votre prénom, puis "
                                   "appuyez sur le carré. Pour passer, appuyez sur le carré."),
    "hotline.set_pin.prompt": "Choisissez un mot de passe de 4 à 8 chiffres, puis le carré.",
    "hotline.confirm_pin.prompt": "Composez-le de nouveau, puis le carré.",
    "hotline.pin.length": "Le mot de passe doit avoir de 4 à 8 chiffres.",
    "hotline.pin.repeated": "Un seul chiffre répété n'est pas permis.",
    "hotline.pin.sequence": "Une suite de chiffres, comme 1 2 3 4, n'est pas permise.",
    "hotline.pin.phone": "Les derniers chiffres du numéro de téléphone ne sont pas permis.",
    "hotline.pin.mismatch": "Les deux mots de passe sont différents. Recommençons.",
    "hotline.done": ("C'est fait. Le numéro {number} est inscrit pour {address}. Conservez "
                     "votre mot de passe. Au revoir."),
    "hotline.done.pending": ("Nous allons appeler le {number}. La personne qui répond devra "
                             "appuyer sur 1 pour confirmer."),
    "hotline.done.address_recorded": "l'adresse que vous avez dite",
    "hotline.callback.verify.prompt": ("Bonjour, ici la Ville de Saguenay. Quelqu'un a inscrit "
                                       "ce numéro pour recevoir les appels d'urgence de la "
                                       "Ville. Pour confirmer, appuyez sur 1. Sinon, raccrochez."),
    "hotline.callback.verify.done": "Merci, ce numéro est confirmé. Au revoir.",
    "hotline.callback.verify.not_done": "Ce numéro n'est pas confirmé. Au revoir.",
    "hotline.callback.password": ("Bonjour, ici la Ville de Saguenay. Votre mot de passe "
                                  "temporaire est : {code}. Je répète : {code}. À votre "
                                  "prochain appel, vous en choisirez un nouveau. Au revoir."),

    # --- alert call (dialer) -----------------------------------------------------------

    # --- console (ivr/console) ----------------------------------------------------------

}
