import App
import ArgumentParser
import Foundation
import VerifyCore
